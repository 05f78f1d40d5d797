"""Ethics nodes: consent, disclosure label, invisible watermark, provenance, verify."""
