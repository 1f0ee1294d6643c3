"""Where an event takes place."""

from __future__ import annotations

from dataclasses import dataclass

from ticketbase.domain.shared.errors import RuleViolated

# ISO 3166-1 alpha-2, the 249 officially assigned codes, plus XK (Kosovo), user-assigned but
# used by payment providers and postal services alike.
COUNTRY_CODES = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR
    BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ
    EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW
    GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY
    KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV
    MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY
    QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG
    TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM
    ZW XK
    """.split()
)
MAX_NAME_LENGTH = 200
MAX_ADDRESS_LENGTH = 500


def _check_text(value: str, *, limit: int, field: str) -> None:
    if not value.strip() or len(value) > limit:
        raise RuleViolated(f"1-{limit} characters, not blank", field=field)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True, slots=True)
class Venue:
    """``country`` is an upper-case ISO 3166-1 alpha-2 code; ``lat`` and ``lng`` (degrees,
    WGS 84) come together or not at all."""

    name: str
    address: str
    city: str
    country: str
    lat: float | None = None
    lng: float | None = None

    def __post_init__(self) -> None:
        _check_text(self.name, limit=MAX_NAME_LENGTH, field="venue.name")
        _check_text(self.address, limit=MAX_ADDRESS_LENGTH, field="venue.address")
        _check_text(self.city, limit=MAX_NAME_LENGTH, field="venue.city")
        if self.country not in COUNTRY_CODES:
            raise RuleViolated(
                "a country is an ISO 3166-1 alpha-2 code such as DE", field="venue.country"
            )
        if (self.lat is None) != (self.lng is None):
            missing = "venue.lng" if self.lng is None else "venue.lat"
            raise RuleViolated("latitude and longitude come together", field=missing)
        # A NaN fails both comparisons, so it is refused with the out-of-range values.
        if self.lat is not None and not (_is_number(self.lat) and -90 <= self.lat <= 90):
            raise RuleViolated("a latitude is between -90 and 90", field="venue.lat")
        if self.lng is not None and not (_is_number(self.lng) and -180 <= self.lng <= 180):
            raise RuleViolated("a longitude is between -180 and 180", field="venue.lng")
