"""A Jinja2 sandbox for templates written by tenants: no reach, bounded work, bounded output.

``ImmutableSandboxedEnvironment`` already refuses private and internal attributes
(``__globals__``, ``__class__``, ``mro``, ``func_globals``, a function's code…) and every
method that changes a list, dict or set. On top of it:

- **No reach.** There is no loader, and ``include``/``import``/``from``/``extends`` are refused
  when the template is parsed, so a template cannot read a file or another template. Globals are
  only ``range`` (bounded), ``dict`` and ``namespace``: no ``lipsum``, ``cycler`` or ``joiner``.
  Attributes are an allow-list: the data are plain mappings and lists (read as ``a.b`` or
  ``a['b']``), a ``loop`` and a ``namespace`` show their fields, and strings only a few
  side-effect-free methods. Filters are an allow-list too: ``safe`` is not in it, so data always
  comes out escaped in HTML whatever the template does, nor are those whose arguments size
  their result (``batch``, ``slice``, ``indent``, ``wordwrap``, ``format``).
- **Bounded work.** A thread cannot be stopped from outside, so the render stops itself: every
  loop iteration, call and arithmetic operator takes a step from a ``Budget`` that also holds a
  deadline and a count of the characters produced, and raises ``LimitExceeded`` when any runs
  out. A single operation that could allocate without bound (``'x' * 10**9``, ``10 ** 10**9``,
  ``'%999999999s' % x``, ``s.center(10**9)``, a ``join`` of huge parts, ``~`` of huge parts) is
  refused *before* it runs by checking the size of its result. Loops over an iterable are
  counted through a node wrapped around each ``for``'s iterable at parse time; recursive
  loops are refused (their inner calls iterate unseen).
- **Bounded output.** Joined text (a block, a macro, ``~``) is checked before it is built, and
  the caller streams the root output and stops at its limit.

The optimizer is off, so nothing of a template is evaluated while it compiles."""

from __future__ import annotations

import contextvars
import time
import types
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError, TemplateSyntaxError
from jinja2.filters import FILTERS
from jinja2.runtime import Context, LoopContext, StrictUndefined, markup_join, str_join
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import Namespace
from markupsafe import soft_str


@dataclass(frozen=True, slots=True)
class Limits:
    seconds: float = 1.0
    steps: int = 100_000
    """Loop iterations, calls and arithmetic operators, all counted together."""
    string_chars: int = 256 * 1024
    """The longest string or list any one operation may build."""
    work_chars: int = 4 * 1024 * 1024
    """All the characters a render may build, intermediate ones included."""
    output_chars: int = 256 * 1024
    """The rendered text of one part."""
    range_items: int = 10_000


class LimitExceeded(SecurityError):
    """The template asked for more than its limits; the message says which."""


@dataclass(slots=True)
class Budget:
    limits: Limits
    deadline: float = field(default=0.0)
    steps: int = 0
    work: int = 0

    def __post_init__(self) -> None:
        self.deadline = time.monotonic() + self.limits.seconds

    def step(self) -> None:
        self.steps += 1
        if self.steps > self.limits.steps:
            raise LimitExceeded(
                f"the template does too much work (over {self.limits.steps} loop iterations, "
                "calls and operations)"
            )
        if time.monotonic() > self.deadline:
            raise LimitExceeded(f"the template took longer than {self.limits.seconds:g} s")

    def size(self, length: int) -> None:
        """Allow one result of ``length`` characters (or items) before it is built."""
        if length > self.limits.string_chars:
            raise LimitExceeded(
                f"the template builds a value of {length} characters or items "
                f"(at most {self.limits.string_chars})"
            )
        self.work += length
        if self.work > self.limits.work_chars:
            raise LimitExceeded(
                f"the template builds more than {self.limits.work_chars} characters in all"
            )


T = TypeVar("T")
_BUDGET: contextvars.ContextVar[Budget] = contextvars.ContextVar("template_budget")


def current_budget() -> Budget:
    try:
        return _BUDGET.get()
    except LookupError:  # only Budget-bound renders may run a sandboxed template
        raise LimitExceeded("a template rendered without a budget") from None


def run_with_budget(limits: Limits, render: Callable[[Budget], T]) -> T:
    """Call ``render`` with a fresh budget active for the hooks below."""
    budget = Budget(limits)
    token = _BUDGET.set(budget)
    try:
        return render(budget)
    finally:
        _BUDGET.reset(token)


# --- parse time: what a template may contain ---------------------------------------------------


_LOADING = (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)


def _guard(tree: nodes.Template) -> nodes.Template:
    for node in tree.find_all(_LOADING):
        raise TemplateSyntaxError(
            "a template cannot include, import or extend another template", node.lineno
        )
    for loop in tree.find_all(nodes.For):
        if loop.recursive:
            raise TemplateSyntaxError("recursive loops are not allowed", loop.lineno)
        # The iterable becomes ``environment.counted(<iterable>)`` (Jinja allows no new node
        # types; an environment attribute is its documented hook for a callback).
        loop.iter = nodes.Call(
            nodes.EnvironmentAttribute("counted", lineno=loop.lineno),
            [loop.iter],
            [],
            None,
            None,
            lineno=loop.lineno,
        )
    return tree


class _BoundedCodeGenerator(CodeGenerator):
    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.bounded_concat(context, (")
        for argument in node.nodes:
            self.visit(argument, frame)
            self.write(", ")
        self.write("))")


# --- run time: what a template may reach and do ------------------------------------------------

_STR_METHODS = frozenset(
    {
        "capitalize",
        "endswith",
        "isdigit",
        "lower",
        "lstrip",
        "rstrip",
        "split",
        "startswith",
        "strip",
        "title",
        "upper",
    }
)
_LOOP_FIELDS = frozenset(
    {
        "index",
        "index0",
        "revindex",
        "revindex0",
        "first",
        "last",
        "length",
        "depth",
        "depth0",
        "previtem",
        "nextitem",
        "cycle",
        "changed",
    }
)
_FILTERS = (
    "abs",
    "capitalize",
    "count",
    "d",
    "default",
    "dictsort",
    "e",
    "escape",
    "first",
    "float",
    "groupby",
    "int",
    "last",
    "length",
    "list",
    "lower",
    "map",
    "max",
    "min",
    "reject",
    "rejectattr",
    "reverse",
    "round",
    "select",
    "selectattr",
    "sort",
    "string",
    "striptags",
    "sum",
    "title",
    "trim",
    "truncate",
    "unique",
    "upper",
    "urlencode",
    "wordcount",
)


def _bounded_range(*args: int) -> range:
    budget = current_budget()
    budget.step()
    numbers = range(*args)
    if len(numbers) > budget.limits.range_items:
        raise LimitExceeded(
            f"range() gives at most {budget.limits.range_items} numbers, not {len(numbers)}"
        )
    return numbers


def _length(value: object) -> int:
    return len(value) if isinstance(value, str | list | tuple) else 0


def _join(
    eval_ctx: Any, value: Iterable[object], d: str = "", attribute: str | int | None = None
) -> str:
    parts = list(value)
    budget = current_budget()
    budget.step()
    budget.size(sum(len(soft_str(p)) for p in parts) + len(soft_str(d)) * max(0, len(parts) - 1))
    join: Callable[..., str] = FILTERS["join"]
    return join(eval_ctx, parts, d, attribute)


_join.jinja_pass_arg = FILTERS["join"].jinja_pass_arg  # type: ignore[attr-defined]


def _replace(eval_ctx: Any, value: str, old: str, new: str, count: int | None = None) -> str:
    text, old, new = soft_str(value), soft_str(old), soft_str(new)
    budget = current_budget()
    budget.step()
    hits = text.count(old) if old else len(text) + 1
    if count is not None and count >= 0:
        hits = min(hits, count)
    budget.size(len(text) + hits * max(0, len(new) - len(old)))
    replace: Callable[..., str] = FILTERS["replace"]
    return replace(eval_ctx, value, old, new, count)


_replace.jinja_pass_arg = FILTERS["replace"].jinja_pass_arg  # type: ignore[attr-defined]


def _center(value: str, width: int = 80) -> str:
    budget = current_budget()
    budget.step()
    budget.size(max(len(soft_str(value)), int(width)))
    return soft_str(value).center(int(width))


def _truncate(*args: Any, **kwargs: Any) -> str:
    current_budget().step()
    truncate: Callable[..., str] = FILTERS["truncate"]
    return truncate(*args, **kwargs)


_truncate.jinja_pass_arg = FILTERS["truncate"].jinja_pass_arg  # type: ignore[attr-defined]


def _product_size(left: object, right: object) -> int:
    if isinstance(left, str | list | tuple) and isinstance(right, int):
        return len(left) * max(0, right)
    if isinstance(right, str | list | tuple) and isinstance(left, int):
        return len(right) * max(0, left)
    return 0


_MAX_INT_BITS = 4096


def _check_int_bits(bits: int) -> None:
    if bits > _MAX_INT_BITS:
        raise LimitExceeded(f"numbers are limited to {_MAX_INT_BITS} bits")


class TenantSandbox(ImmutableSandboxedEnvironment):
    """The environment of tenant templates (``autoescape`` for HTML, not for text)."""

    code_generator_class = _BoundedCodeGenerator
    intercepted_binops = frozenset({"+", "-", "*", "/", "//", "%", "**"})
    intercepted_unops = frozenset({"-", "+"})

    def __init__(self, *, autoescape: bool) -> None:
        super().__init__(
            autoescape=autoescape,
            loader=None,
            optimized=False,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            cache_size=0,
            auto_reload=False,
            undefined=StrictUndefined,
        )
        self.globals.clear()
        self.globals.update({"range": _bounded_range, "dict": dict, "namespace": Namespace})
        self.filters = {name: FILTERS[name] for name in _FILTERS}
        self.filters |= {
            "join": _join,
            "replace": _replace,
            "center": _center,
            "truncate": _truncate,
        }

    # Parsing: refuse loading, count loops.
    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        return _guard(super()._parse(source, name, filename))

    # Attributes: an allow-list on top of the sandbox's own refusals.
    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if not super().is_safe_attribute(obj, attr, value):
            return False
        if isinstance(obj, LoopContext):
            return attr in _LOOP_FIELDS
        if isinstance(obj, Namespace):
            return True
        if isinstance(obj, str):
            return attr in _STR_METHODS
        return False

    def wrap_str_format(self, value: Any) -> None:
        """``str.format`` sizes its result from the format string (``'{:>999999999}'``): it is
        not offered at all (the sandbox would otherwise hand out a wrapped one)."""
        return None

    def is_safe_callable(self, obj: Any) -> bool:
        if isinstance(obj, type):  # no class reached through data may be instantiated
            return obj is dict or obj is Namespace
        return super().is_safe_callable(obj)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        budget = current_budget()
        budget.step()
        if isinstance(__obj, types.BuiltinMethodType) and isinstance(__obj.__self__, str):
            budget.size(len(__obj.__self__))
        result = super().call(__context, __obj, *args, **kwargs)
        budget.size(_length(result))
        return result

    def call_binop(self, context: Context, operator_: str, left: Any, right: Any) -> Any:
        budget = current_budget()
        budget.step()
        if operator_ == "*":
            if isinstance(left, int) and isinstance(right, int):
                _check_int_bits(left.bit_length() + right.bit_length())
            budget.size(_product_size(left, right))
        elif operator_ == "**":
            if isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1:
                _check_int_bits(left.bit_length() * right)
        elif operator_ == "%" and isinstance(left, str):
            raise SecurityError("the % operator does not format text here; use ~ to join")
        elif operator_ == "+" and isinstance(left, str | list | tuple):
            budget.size(_length(left) + _length(right))
        return super().call_binop(context, operator_, left, right)

    def counted(self, iterable: Iterable[Any]) -> Iterator[Any]:
        budget = current_budget()
        for item in iterable:
            budget.step()
            yield item

    def bounded_concat(self, context: Context, parts: tuple[Any, ...]) -> str:
        budget = current_budget()
        budget.step()
        budget.size(sum(len(soft_str(p)) for p in parts))
        join = markup_join if context.eval_ctx.autoescape else str_join
        return join(parts)

    def concat(self, pieces: Iterable[str]) -> str:
        """Every captured block and macro body is joined here: checked before it is built."""
        collected = list(pieces)
        budget = current_budget()
        budget.size(sum(map(len, collected)))
        return "".join(collected)


def render_part(template: Any, data: Mapping[str, Any], budget: Budget) -> str:
    """Stream ``template``'s root output, stopping at the output limit."""
    pieces: list[str] = []
    total = 0
    for piece in template.generate(data):
        total += len(piece)
        if total > budget.limits.output_chars:
            raise LimitExceeded(
                f"the rendered email is longer than {budget.limits.output_chars} characters"
            )
        pieces.append(piece)
    return "".join(pieces)
