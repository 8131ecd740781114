"""How long an agent spends on a ticket of each channel, learned from spells of saturation.

A trace (and the live event stream) shows arrivals, first replies and who is online, but not
when an agent takes a ticket or finishes it. Timing one agent's consecutive replies looks
natural but is badly biased: the pair only shows a handling time when the agent went straight
from one ticket to the next, and the longer a ticket takes, the likelier the queue has emptied
(or changed) by the time it is done, so long handling times drop out; on a 30-agent contact
centre that estimator reads half the true time.

When more tickets are unanswered than agents are online, some ticket is untaken, so every agent
online is busy. Over such saturated time, the agent-seconds worked equal the handling times of
the tickets taken, and those takes show up as first replies. So each hour of staffed time
gives one equation ``agent-seconds ≈ Σ_channel replies_channel × handling_channel``; weighted
least squares over the hours (variance grows with the replies in the hour), forgetting in
staffed time and shrunk towards the pooled mean, gives a handling time per channel. The pooled
mean itself is the ratio of all saturated agent-seconds to all replies in them.

The forecast's capacity clock counts an agent's first take on coming online separately (a
waiting ticket is taken at once), so those replies are left out here; a reply sent after its
agent went offline (finishing a ticket into a break) still counts, as its take was online.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

WINDOW = 3600.0        # staffed seconds per equation
SHRINK = 10.0          # pseudo-replies pulling each channel towards the pooled mean


class ServiceTimes:
    """Decayed least-squares handling times per channel (seconds)."""

    def __init__(self, channels: Sequence[str], half_life: float, prior_seconds: float,
                 prior_replies: float):
        self.channels = tuple(channels)
        self._index = {ch: i for i, ch in enumerate(self.channels)}
        self.half_life = half_life
        self.prior_seconds = prior_seconds
        self.prior_replies = prior_replies
        k = len(self.channels)
        self._xtx = [[0.0] * k for _ in range(k)]
        self._xty = [0.0] * k
        self._seconds = 0.0          # decayed saturated agent-seconds
        self._counts = [0.0] * k     # decayed replies in them, per channel
        self._at = 0.0               # staffed clock of the last decay
        self._window_start: float | None = None
        self._window_seconds = 0.0
        self._window_counts = [0.0] * k

    # -- feeding ---------------------------------------------------------------------------

    def worked(self, staffed: float, agent_seconds: float) -> None:
        """``agent_seconds`` of saturated work, ending at staffed clock ``staffed``."""
        self._roll(staffed)
        self._window_seconds += agent_seconds

    def replied(self, staffed: float, channel: str) -> None:
        """A first reply, sent while saturated, to a ticket of ``channel``."""
        i = self._index.get(channel)
        if i is None:
            return
        self._roll(staffed)
        self._window_counts[i] += 1.0

    def _roll(self, staffed: float) -> None:
        if self._window_start is None:
            self._window_start = staffed
        elif staffed - self._window_start >= WINDOW:
            self._flush(staffed)
            self._window_start = staffed

    def _flush(self, staffed: float) -> None:
        n = sum(self._window_counts)
        y = self._window_seconds
        if n > 0 or y > 0:
            decay = 0.5 ** (max(0.0, staffed - self._at) / self.half_life)
            self._at = staffed
            k = len(self.channels)
            w = 1.0 / max(n, 1.0)
            for i in range(k):
                self._xty[i] = self._xty[i] * decay + w * self._window_counts[i] * y
                self._counts[i] = self._counts[i] * decay + self._window_counts[i]
                for j in range(k):
                    self._xtx[i][j] = self._xtx[i][j] * decay + \
                        w * self._window_counts[i] * self._window_counts[j]
            self._seconds = self._seconds * decay + y
        self._window_seconds = 0.0
        self._window_counts = [0.0] * len(self.channels)

    # -- reading ---------------------------------------------------------------------------

    def evidence(self, staffed: float) -> float:
        """Replies behind the estimate, decayed to ``staffed``, the prior's among them: the
        pooled mean weighs the prior as ``prior_replies`` replies, so its uncertainty is that of
        as many (counting the prior as one reply read a new install's pace to a factor of e)."""
        return sum(self._counts) * self._decay(staffed) + self.prior_replies

    def pooled(self, staffed: float) -> float:
        """Mean handling time over all channels, with the prior as ``prior_replies`` replies."""
        d = self._decay(staffed)
        return (self._seconds * d + self.prior_replies * self.prior_seconds) / \
            (sum(self._counts) * d + self.prior_replies)

    def by_channel(self, staffed: float) -> dict[str, float]:
        """Handling time per channel that has saturated replies, in seconds."""
        pooled = self.pooled(staffed)
        k = len(self.channels)
        seen = [i for i in range(k) if self._counts[i] > 0]
        if not seen:
            return {}
        # Ridge towards the pooled mean: (XᵀWX + λI) s = XᵀWy + λ·pooled.
        a = [[self._xtx[i][j] + (SHRINK if i == j else 0.0) for j in seen] for i in seen]
        b = [self._xty[i] + SHRINK * pooled for i in seen]
        s = _solve(a, b)
        if s is None:
            return {}
        return {self.channels[i]: min(max(v, 0.2 * pooled), 5.0 * pooled)
                for i, v in zip(seen, s, strict=True)}

    def _decay(self, staffed: float) -> float:
        return 0.5 ** (max(0.0, staffed - self._at) / self.half_life)


def _solve(a: list[list[float]], b: list[float]) -> list[float] | None:
    """Gaussian elimination with partial pivoting for a small dense system."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        if abs(m[p][c]) < 1e-12:
            return None
        m[c], m[p] = m[p], m[c]
        for r in range(c + 1, n):
            f = m[r][c] / m[c][c]
            for j in range(c, n + 1):
                m[r][j] -= f * m[c][j]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (m[r][n] - sum(m[r][j] * x[j] for j in range(r + 1, n))) / m[r][r]
    return x if all(math.isfinite(v) for v in x) else None
