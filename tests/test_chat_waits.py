"""How the chat wait is told: smoothing and hysteresis, so the number never jumps on every tick."""
from __future__ import annotations

from channels.chat.waits import should_tell, smooth

TOLD = {"state": "waiting", "position": 3, "seconds": 600, "ema": 600.0}


def test_the_first_wait_is_always_told():
    assert should_tell(None, "waiting", 3, 600.0)


def test_the_same_wait_is_not_told_again():
    assert not should_tell(TOLD, "waiting", 3, 600.0)


def test_a_new_place_in_line_is_told_at_once_even_with_the_same_wait():
    assert should_tell(TOLD, "waiting", 2, 600.0)


def test_availability_changing_is_told_at_once():
    assert should_tell(TOLD, "no_agents", 3, None)
    assert should_tell({**TOLD, "state": "no_agents", "seconds": None, "ema": None}, "waiting", 3, 600.0)


def test_a_drift_under_a_fifth_is_not_told():
    assert not should_tell(TOLD, "waiting", 3, 700.0)


def test_a_drift_over_a_fifth_and_half_a_minute_is_told():
    assert should_tell(TOLD, "waiting", 3, 760.0)


def test_a_short_wait_moving_by_seconds_is_not_told_even_over_a_fifth():
    short = {"state": "waiting", "position": 1, "seconds": 60, "ema": 60.0}
    assert not should_tell(short, "waiting", 1, 85.0)


def test_one_outlier_estimate_moves_the_smoothed_wait_only_partly():
    assert smooth(TOLD, "waiting", 3, 1200) == 0.3 * 1200 + 0.7 * 600


def test_smoothing_restarts_from_the_raw_estimate_on_a_new_place_in_line():
    assert smooth(TOLD, "waiting", 2, 400) == 400.0


def test_nobody_to_answer_has_no_wait_to_smooth():
    assert smooth(TOLD, "no_agents", 3, None) is None


def test_a_steady_stream_of_noisy_estimates_is_told_once():
    told = None
    tellings = 0
    for raw in [600, 640, 560, 650, 580, 620, 590, 610] * 5:
        smoothed = smooth(told, "waiting", 3, raw)
        if should_tell(told, "waiting", 3, smoothed):
            tellings += 1
            told = {"state": "waiting", "position": 3, "seconds": round(smoothed), "ema": smoothed}
        else:
            told = {**told, "ema": smoothed}
    assert tellings == 1
