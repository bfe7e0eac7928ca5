def issue(user):
    return {"sub": user, "ttl": 3600}
