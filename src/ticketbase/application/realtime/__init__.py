"""Real time: which announcements are pushed over ``GET /api/ws``, and to whom."""
