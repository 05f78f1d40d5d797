"""Text room: titles, captions and the disclosure label as RGBA overlays."""
