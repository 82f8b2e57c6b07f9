"""Forward and closed-form inverse kinematics of a six-axis arm with a spherical wrist (radians, mm).

Inverse kinematics splits the pose: the wrist centre (flange minus ``d6`` along the tool axis) fixes J1–J3
(two shoulder × two elbow solutions, law of cosines), the remaining rotation R3ᵀ·R6 = Rx(J4)·Ry(J5)·Rx(J6)
fixes J4–J6 (two wrist solutions). ``fk``/``ik_batch``/``fit_turns`` work on stacks of poses with numpy so tests
and the trajectory sampler can solve thousands at once; ``ik``/``solutions`` solve one pose in plain floats,
which is several times faster than numpy on 3×3 arrays.

Configuration (the index 0…7 of a solution) = 4·back + 2·elbow_down + flip, which is ABB's cfx:
back = wrist centre behind the J1 axis, elbow_down = wrist centre behind the upper ("lower" at ABB) arm,
flip = J5 negative.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simulators.robot.arm.errors import JointLimitError, ReachError
from simulators.robot.arm.models import ArmModel
from simulators.robot.arm.orientation import rot_x, rot_y

TWO_PI = 2.0 * math.pi
WRIST_EPS = 1e-12  # |sin J5| below this: J4 and J6 turn about one axis; J4 is held at 0
_TURNS = np.array([-2, -1, 0, 1, 2], dtype=float) * TWO_PI  # enough for the ±455° of the widest joint


@dataclass(frozen=True)
class Configuration:
    """Which of the eight arm postures reaches a pose."""

    back: bool  # wrist centre behind the J1 axis (shoulder "back", KUKA "overhead")
    elbow_down: bool  # wrist centre behind the upper arm
    flip: bool  # J5 negative

    @property
    def index(self) -> int:
        return 4 * self.back + 2 * self.elbow_down + self.flip

    @classmethod
    def from_index(cls, k: int) -> Configuration:
        return cls(bool(k & 4), bool(k & 2), bool(k & 1))


@dataclass(frozen=True)
class Solution:
    joints: np.ndarray  # (6,) radians, turns chosen nearest the reference within limits where possible
    configuration: Configuration
    within_limits: bool
    limiting_joint: int | None  # 1-based joint that is out of limits (the worst one), else None


def _rx(a: np.ndarray) -> np.ndarray:
    # filled in place rather than stacked: the same numbers, a third of the numpy calls (FK runs per move)
    c, s = np.cos(a), np.sin(a)
    out = np.zeros(np.shape(a) + (3, 3))
    out[..., 0, 0] = 1.0
    out[..., 1, 1], out[..., 1, 2], out[..., 2, 1], out[..., 2, 2] = c, -s, s, c
    return out


def _ry(a: np.ndarray) -> np.ndarray:
    c, s = np.cos(a), np.sin(a)
    out = np.zeros(np.shape(a) + (3, 3))
    out[..., 1, 1] = 1.0
    out[..., 0, 0], out[..., 0, 2], out[..., 2, 0], out[..., 2, 2] = c, s, -s, c
    return out


def _rz_ry(t1: np.ndarray, t23: np.ndarray) -> np.ndarray:
    """Rz(t1)·Ry(t23), the orientation of the forearm."""
    c1, s1, c, s = np.cos(t1), np.sin(t1), np.cos(t23), np.sin(t23)
    out = np.empty(np.broadcast_shapes(np.shape(t1), np.shape(t23)) + (3, 3))
    out[..., 0, 0], out[..., 0, 1], out[..., 0, 2] = c1 * c, -s1, c1 * s
    out[..., 1, 0], out[..., 1, 1], out[..., 1, 2] = s1 * c, c1, s1 * s
    out[..., 2, 0], out[..., 2, 1], out[..., 2, 2] = -s, 0.0, c
    return out


def _wrap1(a: float) -> float:
    return math.pi - (math.pi - a) % TWO_PI


def wrap(a: np.ndarray) -> np.ndarray:
    """Angles into (−π, π]."""
    return np.pi - np.mod(np.pi - a, TWO_PI)


class Arm:
    """Kinematics of one model. Joint values are the model's own (vendor signs), in radians."""

    def __init__(self, model: ArmModel) -> None:
        self.model = model
        self._sign = np.array(model.signs, dtype=float)
        self._limits = model.limits_rad
        self._speed = model.max_speed_rad_s
        self._lim_list = [tuple(r) for r in self._limits.tolist()]
        # joints whose limits leave (−π, π]: another turn of the wrapped solution may be the one to use
        self._joint_info = [
            (lo, hi, lo < -math.pi or hi > math.pi, 1.0 / v)
            for (lo, hi), v in zip(self._lim_list, self._speed.tolist(), strict=True)
        ]
        self._beta = math.atan2(model.a3, model.d4)  # forearm offset angle
        # model properties computed once (the planner reads them per move)
        self._forearm, self._accel = model.forearm, model.max_accel_rad_s2
        # flange = link-6 frame turned so that its z axis points along the forearm/tool axis
        fz = math.radians(model.flange_rz_deg)
        cz, sz = math.cos(fz), math.sin(fz)
        self._flange = np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0], [-1.0, 0.0, 0.0]]) @ np.array(
            [[cz, -sz, 0.0], [sz, cz, 0.0], [0.0, 0.0, 1.0]]
        )
        self._flange_t = self._flange.T.tolist()
        multi = np.array([info[2] for info in self._joint_info])
        self._fk_memo: tuple[tuple[bytes, np.ndarray], ...] = ()  # _fk_one's last answers
        self._single_turn = np.where(~multi[:, None] & (_TURNS != 0), 1e9, 0.0)  # (6, 5) added cost

    # ---------------------------------------------------------------- forward
    def wrist_centre(self, q: np.ndarray) -> np.ndarray:
        """Wrist centre(s) (…, 3) in the base frame for joints (…, 6)."""
        m, t = self.model, np.asarray(q, dtype=float) * self._sign
        t23 = t[..., 1] + t[..., 2]
        s23, c23 = np.sin(t23), np.cos(t23)
        r = m.a1 + m.a2 * np.sin(t[..., 1]) + m.d4 * c23 + m.a3 * s23
        out = np.empty(t.shape[:-1] + (3,))
        out[..., 0], out[..., 1] = np.cos(t[..., 0]) * r, np.sin(t[..., 0]) * r
        out[..., 2] = m.d1 + m.a2 * np.cos(t[..., 1]) - m.d4 * s23 + m.a3 * c23
        return out

    def fk(self, q: np.ndarray) -> np.ndarray:
        """Flange pose(s) (…, 4, 4) in the base frame for joints (…, 6)."""
        q = np.asarray(q, dtype=float)
        if q.shape == (6,):
            return self._fk_one(q)
        t = q * self._sign
        r3 = _rz_ry(t[..., 0], t[..., 1] + t[..., 2])
        r6 = r3 @ _rx(t[..., 3]) @ _ry(t[..., 4]) @ _rx(t[..., 5])
        out = np.zeros(q.shape[:-1] + (4, 4))
        # one (n·3, 3) product instead of n small ones: numpy calls BLAS once per stacked 3×3 (same numbers)
        out[..., :3, :3] = (r6.reshape(-1, 3) @ self._flange).reshape(r6.shape)
        out[..., :3, 3] = self.wrist_centre(q) + self.model.d6 * r6[..., :, 0]
        out[..., 3, 3] = 1.0
        return out

    def _fk_one(self, q: np.ndarray) -> np.ndarray:
        """``fk`` of one joint vector: the same operations on the same numbers (so the same bits), without the
        stacking machinery, and the last two answers remembered — a jog step asks for the same joints up to
        three times (T1 speed cap, TCP, next step's start). Returns a copy the caller may change."""
        key = q.tobytes()
        memo = self._fk_memo
        for k, pose in memo:
            if k == key:
                return pose.copy()
        m = self.model
        t0, t1, t2, t3, t4, t5 = (q * self._sign).tolist()
        c1, s1 = math.cos(t0), math.sin(t0)
        t23 = t1 + t2
        c, s = math.cos(t23), math.sin(t23)
        r3 = np.array([[c1 * c, -s1, c1 * s], [s1 * c, c1, s1 * s], [-s, 0.0, c]])
        r6 = r3 @ rot_x(t3) @ rot_y(t4) @ rot_x(t5)  # _rx/_ry of one angle: the same entries
        # wrist_centre's arithmetic, in its order
        r = m.a1 + m.a2 * math.sin(t1) + m.d4 * c + m.a3 * s
        wc = np.array([c1 * r, s1 * r, m.d1 + m.a2 * math.cos(t1) - m.d4 * s + m.a3 * c])
        out = np.zeros((4, 4))
        out[:3, :3] = (r6.reshape(-1, 3) @ self._flange).reshape(r6.shape)
        out[:3, 3] = wc + m.d6 * r6[:, 0]
        out[3, 3] = 1.0
        self._fk_memo = (memo[-1], (key, out)) if memo else ((key, out),)  # one assignment: safe across threads
        return out.copy()

    # ---------------------------------------------------------------- inverse
    def ik_batch(self, poses: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """All eight solutions of each flange pose.

        Returns ``(q, reachable)``: q (N, 8, 6) joint values wrapped to (−π, π], index k = configuration index;
        reachable (N, 8) False where the wrist centre is out of reach for that shoulder (q is NaN there).
        """
        m = self.model
        poses = np.asarray(poses, dtype=float).reshape(-1, 4, 4)
        n = poses.shape[0]
        r6 = poses[:, :3, :3] @ self._flange.T
        pw = poses[:, :3, 3] - m.d6 * r6[:, :, 0]
        rho = np.hypot(pw[:, 0], pw[:, 1])
        front = np.arctan2(pw[:, 1], pw[:, 0])
        # shoulder axis (N, 2): front, back
        t1 = np.stack([front, wrap(front + np.pi)], 1)
        u = np.stack([rho, -rho], 1) - m.a1
        v = np.broadcast_to((pw[:, 2] - m.d1)[:, None], u.shape)
        dd = u * u + v * v
        big_l, two_al = m.forearm, 2.0 * m.a2 * m.forearm
        one_minus = ((m.a2 + big_l) ** 2 - dd) / two_al  # 1 − sin ψ, exact near the stretched arm
        one_plus = (dd - (m.a2 - big_l) ** 2) / two_al
        reach_ok = (one_minus >= 0) & (one_plus >= 0)
        s = 1.0 - one_minus
        c = np.sqrt(np.clip(one_minus, 0, None) * np.clip(one_plus, 0, None))
        # elbow axis: up (ψ in [−90°, 90°]) then down → (N, 2 shoulder, 2 elbow)
        psi = np.stack([np.arctan2(s, c), np.arctan2(s, -c)], 2)
        t3 = self._beta - psi
        k1 = m.d4 * np.cos(t3) + m.a3 * np.sin(t3)
        k2 = m.a2 - m.d4 * np.sin(t3) + m.a3 * np.cos(t3)
        t2 = np.arctan2(u, v)[:, :, None] - np.arctan2(k1, k2)
        t1e = np.broadcast_to(t1[:, :, None], t2.shape)
        r3 = _rz_ry(t1e, t2 + t3)
        w = np.swapaxes(r3, -1, -2) @ r6[:, None, None]  # Rx(J4)·Ry(J5)·Rx(J6)
        # J4 first (any value will do at the singularity), then J5 and J6 from Rx(−J4)·W: that keeps the three
        # consistent near J5 = 0, where J4 alone is ill-conditioned but the product is not
        t4 = np.where(np.hypot(w[..., 1, 0], w[..., 2, 0]) < WRIST_EPS, 0.0, np.arctan2(w[..., 1, 0], -w[..., 2, 0]))
        c4, s4 = np.cos(t4), np.sin(t4)
        t5 = np.arctan2(s4 * w[..., 1, 0] - c4 * w[..., 2, 0], w[..., 0, 0])
        t6 = np.arctan2(-(c4 * w[..., 1, 2] + s4 * w[..., 2, 2]), c4 * w[..., 1, 1] + s4 * w[..., 2, 1])
        # wrist axis: J5 canonical positive, then negative (J4 and J6 turned by π)
        t4w = np.stack([t4, wrap(t4 + np.pi)], -1)
        t5w = np.stack([t5, -t5], -1)
        t6w = np.stack([t6, wrap(t6 + np.pi)], -1)
        shape = t4w.shape
        canon = np.stack(
            [np.broadcast_to(t1e[..., None], shape), np.broadcast_to(t2[..., None], shape),
             np.broadcast_to(t3[..., None], shape), t4w, t5w, t6w],
            -1,
        ).reshape(n, 8, 6)
        q = wrap(canon * self._sign)
        if self._sign[4] < 0:  # user J5 negative is "flip": keep index = configuration
            q = q.reshape(n, 4, 2, 6)[:, :, ::-1].reshape(n, 8, 6)
        ok = np.repeat(reach_ok.reshape(n, 2, 1), 4, axis=2).reshape(n, 8)
        q = np.where(ok[..., None], q, np.nan)
        return q, ok

    def fit_turns(self, q: np.ndarray, ref: np.ndarray | None = None) -> np.ndarray:
        """Add whole turns to joints whose limits go past ±180°: the turn nearest ``ref`` (default 0) inside the
        limits; if none is inside, the one that overshoots them least. Other joints keep (−π, π]."""
        q = np.asarray(q, dtype=float)
        ref = np.zeros(6) if ref is None else np.asarray(ref, dtype=float)
        cand = q[..., None] + _TURNS  # (..., 6, 5)
        lo, hi = self._limits[:, 0, None], self._limits[:, 1, None]
        over = np.maximum(lo - cand, 0.0) + np.maximum(cand - hi, 0.0)
        cost = np.abs(cand - ref[:, None]) + np.where(over > 1e-12, 1e3 * (1.0 + over), 0.0) + self._single_turn
        pick = np.argmin(cost, -1)
        return np.take_along_axis(cand, pick[..., None], -1)[..., 0]

    def limit_violation(self, q: np.ndarray) -> np.ndarray:
        """(…, 6) radians each joint lies outside its limits (0 inside)."""
        lo, hi = self._limits[:, 0], self._limits[:, 1]
        return np.maximum(lo - q, 0.0) + np.maximum(q - hi, 0.0)

    def _solve_one(self, pose: np.ndarray) -> list[list[float] | None]:
        """The eight solutions of one pose (None: out of reach), in plain floats.

        Same algebra as ``ik_batch``, unrolled: numpy's per-call overhead on 3×3 arrays would cost ~10× more
        than the arithmetic, and a controller solves one pose per interpolation step.
        """
        m, ft = self.model, self._flange_t
        p = pose.tolist() if isinstance(pose, np.ndarray) else pose
        r = [[p[i][0] * ft[0][j] + p[i][1] * ft[1][j] + p[i][2] * ft[2][j] for j in range(3)] for i in range(3)]
        px, py, pz = p[0][3] - m.d6 * r[0][0], p[1][3] - m.d6 * r[1][0], p[2][3] - m.d6 * r[2][0]
        rho = math.hypot(px, py)
        front = math.atan2(py, px)
        big_l, two_al, beta = m.forearm, 2.0 * m.a2 * m.forearm, self._beta
        sg, pi = self.model.signs, math.pi
        out: list[list[float] | None] = []
        for back in (False, True):
            t1 = front if not back else (front - pi if front > 0 else front + pi)
            u = (-rho if back else rho) - m.a1
            v = pz - m.d1
            dd = u * u + v * v
            one_minus = ((m.a2 + big_l) ** 2 - dd) / two_al
            one_plus = (dd - (m.a2 - big_l) ** 2) / two_al
            if one_minus < 0 or one_plus < 0:
                out.extend([None] * 4)
                continue
            s, c = 1.0 - one_minus, math.sqrt(one_minus * one_plus)
            c1, s1, phi = math.cos(t1), math.sin(t1), math.atan2(u, v)
            for cc in (c, -c):
                t3 = beta - math.atan2(s, cc)
                k1 = m.d4 * math.cos(t3) + m.a3 * math.sin(t3)
                k2 = m.a2 - m.d4 * math.sin(t3) + m.a3 * math.cos(t3)
                t2 = phi - math.atan2(k1, k2)
                ca, sa = math.cos(t2 + t3), math.sin(t2 + t3)
                x0, y0, z0 = c1 * ca, s1 * ca, -sa  # columns of R3 = Rz(t1)·Ry(t2 + t3)
                x2, y2, z2 = c1 * sa, s1 * sa, ca
                w00 = x0 * r[0][0] + y0 * r[1][0] + z0 * r[2][0]
                w10 = -s1 * r[0][0] + c1 * r[1][0]
                w20 = x2 * r[0][0] + y2 * r[1][0] + z2 * r[2][0]
                w11 = -s1 * r[0][1] + c1 * r[1][1]
                w21 = x2 * r[0][1] + y2 * r[1][1] + z2 * r[2][1]
                w12 = -s1 * r[0][2] + c1 * r[1][2]
                w22 = x2 * r[0][2] + y2 * r[1][2] + z2 * r[2][2]
                if math.hypot(w10, w20) < WRIST_EPS:
                    t4, c4, s4 = 0.0, 1.0, 0.0
                else:
                    t4 = math.atan2(w10, -w20)
                    c4, s4 = math.cos(t4), math.sin(t4)
                t5 = math.atan2(s4 * w10 - c4 * w20, w00)
                t6 = math.atan2(-(c4 * w12 + s4 * w22), c4 * w11 + s4 * w21)
                t4b = t4 - pi if t4 > 0 else t4 + pi
                t6b = t6 - pi if t6 > 0 else t6 + pi
                a = [sg[0] * t1, sg[1] * t2, sg[2] * t3, sg[3] * t4, sg[4] * t5, sg[5] * t6]
                b = [sg[0] * t1, sg[1] * t2, sg[2] * t3, sg[3] * t4b, -sg[4] * t5, sg[5] * t6b]
                a[1] = _wrap1(a[1])
                a[2] = _wrap1(a[2])
                b[1], b[2] = a[1], a[2]
                out.extend((a, b) if sg[4] > 0 else (b, a))
        return out

    def _fit_one(self, q: list[float], ref: list[float]) -> tuple[list[float], float, int, tuple[float, float]]:
        """Whole turns per joint as ``fit_turns``.

        Returns (joints, total violation, 1-based worst joint or 0, (longest, summed) time from ``ref`` at full
        joint speed) — one pass, as this runs eight times per pose.
        """
        out, total, worst, worst_v, t_max, t_sum = [], 0.0, 0, 0.0, 0.0, 0.0
        j = 0
        for x, r, (lo, hi, multi, inv_v) in zip(q, ref, self._joint_info, strict=True):
            j += 1
            if multi:  # nearest turn to ref, then one turn back inside if that overshoots
                x += TWO_PI * round((r - x) / TWO_PI)
                if x > hi and lo - (x - TWO_PI) < x - hi:  # the turn back violates less (or not at all)
                    x -= TWO_PI
                elif x < lo and (x + TWO_PI) - hi < lo - x:
                    x += TWO_PI
            out.append(x)
            dt = abs(x - r) * inv_v
            t_sum += dt
            if dt > t_max:
                t_max = dt
            if x < lo - 1e-12 or x > hi + 1e-12:
                v = lo - x if x < lo else x - hi
                total += v
                if v > worst_v:
                    worst, worst_v = j, v
        return out, total, worst, (t_max, t_sum)

    def solutions(self, pose: np.ndarray, ref: np.ndarray | None = None) -> list[Solution]:
        """Every reachable solution of one flange pose, turns fitted to ``ref``; raises ReachError if none."""
        ref_l = [0.0] * 6 if ref is None else [float(x) for x in ref]
        out = []
        for k, q in enumerate(self._solve_one(pose)):
            if q is None:
                continue
            qk, _, worst, _ = self._fit_one(q, ref_l)
            out.append(Solution(np.array(qk), Configuration.from_index(k), worst == 0, worst or None))
        if not out:
            self._raise_reach(pose)
        return out

    def ik(self, pose: np.ndarray, current: np.ndarray, configuration: Configuration | None = None) -> np.ndarray:
        """The solution within limits nearest ``current`` (in time at full joint speed), or of ``configuration``.

        Raises ReachError, or JointLimitError naming the worst joint of the least-violating candidate.
        """
        ref = [float(x) for x in current]
        best, best_cost, least = None, (math.inf, math.inf), None
        for k, q in enumerate(self._solve_one(pose)):
            if q is None or (configuration is not None and k != configuration.index):
                continue
            qk, viol, worst, cost = self._fit_one(q, ref)
            if worst:
                if least is None or viol < least[1]:
                    least = (qk, viol, worst, k)
                continue
            if cost < best_cost:
                best, best_cost = qk, cost
        if best is not None:
            return np.array(best)
        if least is None:
            self._raise_reach(pose, None if configuration is None else configuration.back)
        qk, _, j, k = least
        lo, hi = self.model.limits_deg[j - 1]
        value = math.degrees(qk[j - 1])
        raise JointLimitError(
            f"joint {j} would be at {value:.1f} deg, outside [{lo}, {hi}]",
            joint=j, value_deg=round(value, 3), lower_deg=lo, upper_deg=hi, configuration=k,
        )

    def _raise_reach(self, pose: np.ndarray, back: bool | None = None) -> None:
        """ReachError for the shoulder asked for (None: the nearer of the two)."""
        m = self.model
        p = np.asarray(pose, dtype=float).reshape(4, 4)
        pw = p[:3, 3] - m.d6 * p[:3, 2]
        rho = math.hypot(pw[0], pw[1])
        front, rear = math.hypot(rho - m.a1, pw[2] - m.d1), math.hypot(-rho - m.a1, pw[2] - m.d1)
        dist = min(front, rear) if back is None else (rear if back else front)
        far = dist > m.a2 + m.forearm
        raise ReachError(
            f"wrist centre {dist:.1f} mm from the shoulder; the arm reaches {m.a2 + m.forearm:.1f} mm",
            joint=3, distance_mm=round(dist, 3), limit_mm=round(m.a2 + m.forearm if far else abs(m.a2 - m.forearm), 3),
            too_far=far,
        )

    # ---------------------------------------------------------------- configuration of joints
    def configuration(self, q: np.ndarray) -> Configuration:
        """Posture of a joint vector (the inverse of the solution index)."""
        t = np.asarray(q, dtype=float) * self._sign
        m = self.model
        t23 = t[1] + t[2]
        r = m.a1 + m.a2 * math.sin(t[1]) + m.d4 * math.cos(t23) + m.a3 * math.sin(t23)
        return Configuration(back=r < 0, elbow_down=math.cos(t[2] - self._beta) < 0, flip=float(q[4]) < 0)
