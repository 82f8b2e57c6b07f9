"""World, base, tool (TCP) and user (work-object) frames as 4×4 homogeneous matrices (mm, radians).

Chain: world ← base (where the robot stands) ← flange (kinematics) ← TCP (the tool data).
A user frame is given in world; a taught point is stored in the user frame it was taught in, so moving the
fixture (re-teaching the frame) moves every point with it.

Offsets: ``offs`` shifts along the user frame's axes (ABB ``Offs``: the position is expressed in the work
object, so the shift is added to it); ``reltool`` shifts and turns along/about the tool's own axes (ABB
``RelTool``). For a tool pointing down, ``offs(p, 0, 0, 50)`` lifts 50 mm, ``reltool(p, 0, 0, 50)`` plunges 50 mm.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from simulators.robot.arm.errors import FrameError
from simulators.robot.arm.orientation import rot_x, rot_y, rot_z


def make_pose(xyz: np.ndarray | tuple[float, float, float], rot: np.ndarray | None = None) -> np.ndarray:
    """4×4 from a position and a 3×3 rotation (identity if omitted)."""
    t = np.eye(4)
    t[:3, 3] = xyz
    if rot is not None:
        t[:3, :3] = rot
    return t


def invert(t: np.ndarray) -> np.ndarray:
    """Inverse of a rigid transform (transpose, not a general inverse)."""
    out = np.eye(4)
    out[:3, :3] = t[:3, :3].T
    out[:3, 3] = -t[:3, :3].T @ t[:3, 3]
    return out


@dataclass(frozen=True)
class Tool:
    """Tool data: the TCP frame in the flange frame, and the tool's mass (for the payload check)."""

    name: str
    tcp: np.ndarray = field(default_factory=lambda: np.eye(4))
    mass_kg: float = 0.0


@dataclass(frozen=True)
class UserFrame:
    """A work object: its frame in world."""

    name: str
    matrix: np.ndarray = field(default_factory=lambda: np.eye(4))


TOOL0 = Tool("tool0")
WOBJ0 = UserFrame("wobj0")


@dataclass
class Frames:
    """The frames of one robot: base in world, and the tools and user frames to switch between by name."""

    base: np.ndarray = field(default_factory=lambda: np.eye(4))
    tools: dict[str, Tool] = field(default_factory=lambda: {TOOL0.name: TOOL0})
    users: dict[str, UserFrame] = field(default_factory=lambda: {WOBJ0.name: WOBJ0})
    tool: str = TOOL0.name
    user: str = WOBJ0.name

    def add_tool(self, tool: Tool) -> None:
        self.tools[tool.name] = tool

    def add_user(self, frame: UserFrame) -> None:
        self.users[frame.name] = frame

    def select(self, tool: str | None = None, user: str | None = None) -> None:
        """Switch the active tool and/or user frame; KeyError for an unknown name."""
        if tool is not None and tool not in self.tools:
            raise KeyError(f"unknown tool {tool!r}")
        if user is not None and user not in self.users:
            raise KeyError(f"unknown user frame {user!r}")
        self.tool = tool or self.tool
        self.user = user or self.user

    def tcp_in_user(self, flange_in_base: np.ndarray) -> np.ndarray:
        """The TCP pose as the pendant shows it in the active user frame."""
        world = self.base @ flange_in_base @ self.tools[self.tool].tcp
        return invert(self.users[self.user].matrix) @ world

    def flange_for(self, tcp_in_user: np.ndarray) -> np.ndarray:
        """The flange pose in base that puts the active TCP at ``tcp_in_user`` (what the IK is given)."""
        world = self.users[self.user].matrix @ tcp_in_user
        return invert(self.base) @ world @ invert(self.tools[self.tool].tcp)


@dataclass(frozen=True)
class TcpCalibration:
    tcp: np.ndarray  # (3,) TCP in the flange frame, mm
    point: np.ndarray  # (3,) the fixed tip point in base, mm
    errors: np.ndarray  # (n,) per pose: distance of the TCP it implies from the fitted point, mm
    mean_error: float
    max_error: float


def teach_tcp(flange_poses: list[np.ndarray] | np.ndarray, min_spread: float = 1e-3) -> TcpCalibration:
    """TCP by the 4-point (or n-point) method: flange poses with the tool tip on one fixed point.

    Solves R_i·t + p_i = c for t (TCP in flange) and c (the point) by least squares over all poses; the
    residuals are the error a pendant reports. Raises FrameError if the orientations are too alike
    (``min_spread`` bounds the smallest/largest singular value of the system).
    """
    poses = np.asarray(flange_poses, dtype=float)
    n = len(poses)
    if n < 3:
        raise FrameError("the TCP needs at least 3 poses (4 recommended)", reason="tcp_too_few_poses", count=n)
    a = np.zeros((3 * n, 6))
    b = np.zeros(3 * n)
    for i, t in enumerate(poses):
        a[3 * i:3 * i + 3, :3] = t[:3, :3]
        a[3 * i:3 * i + 3, 3:] = -np.eye(3)
        b[3 * i:3 * i + 3] = -t[:3, 3]
    sv = np.linalg.svd(a, compute_uv=False)
    if sv[-1] < min_spread * sv[0]:
        raise FrameError("the poses' orientations are too alike to locate the TCP", reason="tcp_orientations_alike")
    x = np.linalg.lstsq(a, b, rcond=None)[0]
    tcp, point = x[:3], x[3:]
    errors = np.linalg.norm(poses[:, :3, :3] @ tcp + poses[:, :3, 3] - point, axis=1)
    return TcpCalibration(tcp, point, errors, float(errors.mean()), float(errors.max()))


def user_frame_3points(origin: np.ndarray, x_point: np.ndarray, xy_point: np.ndarray, name: str = "wobj") -> UserFrame:
    """User frame from its origin, a point on +X and a point in the XY plane on the +Y side (all in world)."""
    o, px, pxy = (np.asarray(p, dtype=float) for p in (origin, x_point, xy_point))
    x = px - o
    if np.linalg.norm(x) < 1e-6:
        raise FrameError("the +X point coincides with the origin", reason="frame_points_coincide")
    x /= np.linalg.norm(x)
    z = np.cross(x, pxy - o)
    if np.linalg.norm(z) < 1e-6 * max(1.0, np.linalg.norm(pxy - o)):
        raise FrameError("the three points lie on one line", reason="frame_points_collinear")
    z /= np.linalg.norm(z)
    return UserFrame(name, make_pose(o, np.column_stack([x, np.cross(z, x), z])))


def offs(pose: np.ndarray, dx: float, dy: float, dz: float) -> np.ndarray:
    """Shift along the axes of the frame the pose is expressed in (ABB ``Offs``); orientation unchanged."""
    out = np.array(pose, dtype=float)
    out[:3, 3] += (dx, dy, dz)
    return out


def reltool(pose: np.ndarray, dx: float, dy: float, dz: float, rx: float = 0.0, ry: float = 0.0,
            rz: float = 0.0) -> np.ndarray:
    """Shift along, then turn about, the tool's own axes (ABB ``RelTool``: x first, then new y, then new z)."""
    return pose @ make_pose((dx, dy, dz), rot_x(rx) @ rot_y(ry) @ rot_z(rz))
