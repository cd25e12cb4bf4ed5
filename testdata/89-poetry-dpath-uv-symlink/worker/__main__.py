from rq import Worker
