"""How accepted events travel from the process that stored them to the one that decides.

One process (the default) needs no stream: :class:`croupier.processor.Processor` queues
event ids in memory. Front ends and workers on any number of machines use Redis Streams
with a consumer group (:mod:`croupier.stream.redis_streams`). The store stays the truth: an entry only says "event
N is waiting"; losing or repeating one costs time, never an answer.
"""
