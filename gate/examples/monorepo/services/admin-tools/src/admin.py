def whoami(user):
    return user
