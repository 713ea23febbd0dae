"""Vendor-specific wire details: checksums and fixed layouts of vendor messages."""
