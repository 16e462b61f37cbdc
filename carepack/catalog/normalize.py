"""How identifiers typed by people are compared: one place for all faces."""


def normalize_sku(value: str) -> str:
    """``u4417 pe`` -> ``U4417PE``: no SKU holds a space, so spaces typed or
    pasted inside one (a non-breaking space too) are dropped."""
    return "".join(value.split()).upper()


def normalize_product_number(value: str) -> str:
    """``2y2d5ea#abf `` -> ``2Y2D5EA``: the localisation option is dropped,
    so a product number matches its base everywhere in the product; spaces
    inside it are dropped as in a SKU."""
    return "".join(value.split("#", 1)[0].split()).upper()


def normalize_serial(value: str) -> str:
    return value.strip().upper()


def normalize_category(value: str) -> str:
    return value.strip().lower()
