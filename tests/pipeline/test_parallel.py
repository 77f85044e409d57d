from __future__ import annotations

import pytest

from pipeline.parallel import ADDRESS_ENV, dask_client, map_partitions


def square_plus(x: int, offset: int) -> int:
    if x == 13:
        raise ValueError("thirteen")
    return x * x + offset


def test_in_process_map_keeps_order() -> None:
    with dask_client(workers=0) as client:
        assert client is None
        assert map_partitions(square_plus, [3, 1, 2], client, "t", offset=1) == [10, 2, 5]


@pytest.mark.slow
def test_local_cluster_keeps_order_and_raises_the_first_failure() -> None:
    with dask_client(workers=2) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        items = list(range(12))
        assert map_partitions(square_plus, items, client, "t", offset=0) == [i * i for i in items]
        with pytest.raises(ValueError, match="thirteen"):
            map_partitions(square_plus, [1, 13, 2], client, "t", offset=0)
        # the workers' own processes run without the stack sampler that would take the GIL every 10 ms
        assert set(client.run(worker_profiles).values()) == {False}


def worker_profiles() -> bool:
    import dask

    return dask.config.get("distributed.worker.profile.enabled")


@pytest.mark.slow
def test_an_address_in_the_environment_selects_an_existing_cluster(monkeypatch) -> None:
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        monkeypatch.setenv(ADDRESS_ENV, cluster.scheduler_address)
        with dask_client(workers=0) as client:  # the address wins over workers=0
            assert client.scheduler.address == cluster.scheduler_address
            assert map_partitions(square_plus, [2], client, "t", offset=0) == [4]
