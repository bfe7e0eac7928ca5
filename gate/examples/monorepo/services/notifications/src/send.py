def send(to, body):
    return (to, body)
