"""Single-process development defaults: in-process cache, local files, .eml mailbox."""
