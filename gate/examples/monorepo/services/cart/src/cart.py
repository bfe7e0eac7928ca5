def add(cart, item):
    return cart + [item]
