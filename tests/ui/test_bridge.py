"""The bridge runs named tasks on the qasync loop and reports results, failures and cancellations."""

from __future__ import annotations

import asyncio

from app.ui.bridge import TaskBridge
from tests.ui.conftest import wait_until


async def test_result_and_failure_arrive_through_callbacks_and_signals(qtbot) -> None:
    bridge = TaskBridge()
    results: list[int] = []
    failures: list[tuple[str, str]] = []
    bridge.task_failed.connect(lambda name, message: failures.append((name, message)))

    async def ok() -> int:
        await asyncio.sleep(0.01)
        return 42

    async def broken() -> None:
        raise ValueError("the model said no")

    bridge.run("ok", ok(), on_done=results.append)
    bridge.run("broken", broken())
    await wait_until(lambda: results and failures)
    assert results == [42]
    assert failures == [("broken", "the model said no")]


async def test_a_new_task_with_the_same_name_cancels_the_previous_one(qtbot) -> None:
    bridge = TaskBridge()
    first = bridge.run("suggest", asyncio.sleep(10))
    second = bridge.run("suggest", asyncio.sleep(0.01, "done"))
    await wait_until(lambda: second.done())
    assert first.cancelled()
    assert second.result() == "done"
    assert not bridge.is_running("suggest")


async def test_shutdown_cancels_everything(qtbot) -> None:
    bridge = TaskBridge()
    tasks = [bridge.run(f"t{i}", asyncio.sleep(10)) for i in range(3)]
    await bridge.shutdown()
    assert all(t.cancelled() for t in tasks)


async def test_a_task_counts_as_running_until_its_callbacks_have_run(qtbot) -> None:
    bridge = TaskBridge()
    seen_in_callback: list[list[str]] = []

    def follow_up(_result: object) -> None:
        seen_in_callback.append(bridge.running_names())
        bridge.run("reload", asyncio.sleep(0.05))

    bridge.run("save", asyncio.sleep(0.01), on_done=follow_up)
    await wait_until(lambda: not bridge.running_names())  # not before the follow-up it started has ended
    assert seen_in_callback == [[]] and not bridge.is_running("reload")
