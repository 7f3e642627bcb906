from knownparty_service.domain.bounded_cache import BoundedCache


def test_a_full_cache_drops_its_oldest_half():
    cache = BoundedCache(4)
    for n in range(4):
        cache.put(n, str(n))
    assert cache.put(4, "4") == "4"
    assert sorted(cache) == [2, 3, 4]
    assert cache.get(0) is None and cache[3] == "3"
