"""How identifiers typed by people are compared: one place for all faces."""


def normalize_sku(value: str) -> str:
    return value.strip().upper()


def normalize_product_number(value: str) -> str:
    """``2y2d5ea#abf `` -> ``2Y2D5EA``: the localisation option is dropped,
    so a product number matches its base everywhere in the product."""
    return value.strip().upper().split("#", 1)[0].strip()


def normalize_serial(value: str) -> str:
    return value.strip().upper()


def normalize_category(value: str) -> str:
    return value.strip().lower()
