"""HTTP entry points: the AS2 endpoint, the JSON bridge and health."""
