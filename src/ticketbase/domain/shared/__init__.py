"""Building blocks shared by every business area."""
