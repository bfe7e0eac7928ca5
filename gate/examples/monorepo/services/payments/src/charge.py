def charge(card, cents):
    return {"card": card[-4:], "cents": cents}
