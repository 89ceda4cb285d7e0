"""Images as files: reading and decoding, output formats, dtypes, the contact sheet."""
