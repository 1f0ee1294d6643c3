"""Attendees and the door: staff read and correct the tickets of paid orders, scanners check
them in (and undo a mistaken check-in), and the event's counts tell how full the hall is."""
