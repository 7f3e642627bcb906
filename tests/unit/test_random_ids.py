import threading

from knownparty_service.domain.random_ids import RandomIds


def test_ids_are_distinct_across_draws_and_threads():
    ids = RandomIds("d", size=10, ids_per_draw=7)
    drawn: list[str] = []

    def take():
        drawn.extend(ids.next() for _ in range(500))

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(drawn) == 2000 == len(set(drawn))
    assert all(i.startswith("d") and len(i) == 21 and int(i[1:], 16) >= 0 for i in drawn)
