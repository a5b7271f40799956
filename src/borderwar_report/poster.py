"""The wall timeline and the handout (placeholder until they land)."""


def build_poster(ctx) -> None:
    pass


def build_handout(ctx) -> None:
    pass
