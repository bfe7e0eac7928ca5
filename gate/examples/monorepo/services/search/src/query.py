def parse(q):
    return q.strip().split()
