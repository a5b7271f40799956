"""Charts drawn from the records (placeholder until the charts land)."""


def build_charts(ctx) -> dict:
    return {}
