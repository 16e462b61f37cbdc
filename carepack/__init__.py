"""carepack: a Care Pack registration portal."""
