"""Pendant alarms and stops in the user's language: one template per stable code of the six-axis core.

The session records codes and plain parameters (``simulators.robot.arm.pendant``); the text is rendered when
shown, so a language switch re-renders the list. A code this table does not know falls back to the simulator
diagnostics' table (``app.courses.sim_messages``), then to the code itself.
"""

from __future__ import annotations

from typing import Any

from app.courses import sim_messages
from app.i18n import N_, _, format_decimal

ALARMS: dict[str, str] = {
    # safety state: why motion is not allowed now
    "safety.estop": N_("Emergency stop: pull the button out, then press Reset."),
    "safety.protective_stop": N_("Protective stop ({cause}): press Reset when the cause is gone."),
    "safety.cell_open": N_("The cell door is open: AUTO needs the cell closed."),
    "safety.enabling_required": N_("Hold the enabling device in the middle position to jog."),
    "safety.enabling_panic": N_("The enabling device was pressed through: release it fully, then hold it "
                                "in the middle again."),
    "safety.drives_off": N_("The drives are off: in T1/T2 hold the enabling device again; in AUTO press "
                            "Motors on."),
    # jogging
    "jog.joint_limit": N_("J{joint} reached its limit ({lower_deg}° … {upper_deg}°)."),
    "jog.reach": N_("Out of reach: the arm cannot go further in this direction."),
    "jog.joint_speed": N_("J{joint} would turn at {speed_deg_s}°/s (maximum {max_deg_s}°/s): a singularity is "
                          "near; jog another way or use joint jogging."),
    "jog.mode_auto": N_("Jogging is a manual-mode operation: switch to T1 or T2."),
    "jog.release_key": N_("Motion stopped since the key was pressed: let go of the jog key and press it again."),
    "jog.speed_cap": N_("The step cannot be slowed to the T1 speed limit."),
    "arm.singularity.wrist": N_("Wrist singularity (J5 near 0°): jog stopped. Turn J5 away or use joint jogging."),
    "arm.singularity.shoulder": N_("Shoulder singularity (wrist centre near the J1 axis): jog stopped. Use joint "
                                   "jogging."),
    "arm.singularity.elbow": N_("Elbow singularity (arm stretched): jog stopped. Use joint jogging."),
    # teaching
    "pendant.point_exists": N_("A point named “{name}” already exists: choose another name or touch it up."),
    "pendant.point_unknown": N_("There is no point named “{name}”."),
    "pendant.unknown_tool": N_("There is no tool named “{name}”."),
    "pendant.unknown_user": N_("There is no user frame named “{name}”."),
    "pendant.not_synchronized": N_("The revolution counter of J{joint} is not updated: only joint jogging is "
                                   "possible."),
    "pendant.counter_off_mark": N_("J{joint} was updated {error_deg}° away from its sync mark: its revolution "
                                   "counter is now wrong."),
    "pendant.motion_budget": N_("This session has used its {max_s} s of motion: submit it or start again."),
    "frame.degenerate": N_("The points cannot define this frame: {reason}"),
    # the cell
    "cell.collision": N_("Collision: {link} touches {solid}. Protective stop."),
    "safety.zone_violation": N_("{link} entered the safe zone {zone}. Protective stop."),
    "safety.light_curtain": N_("Light curtain {curtain} interrupted. Protective stop."),
}

STOPS: dict[str, str] = {
    "safety.estop": N_("Emergency stop"),
    "safety.protective_stop": N_("Protective stop"),
    "safety.enabling_released": N_("Enabling device released"),
    "safety.enabling_panic": N_("Enabling device pressed through"),
    "safety.mode_changed": N_("Mode changed"),
}
STOP_LINE = N_("{what}: stop category {category}")

FRAME_REASONS: dict[str, str] = {
    "tcp_too_few_poses": N_("at least 3 points are needed (4 recommended)."),
    "tcp_orientations_alike": N_("the tool orientations are too alike; tilt the tool more between points."),
    "frame_points_coincide": N_("the +X point coincides with the origin."),
    "frame_points_collinear": N_("the three points lie on one line."),
    "frame_needs_3_points": N_("exactly 3 points are needed: origin, +X, XY plane."),
}
CAUSES: dict[str, str] = {"door": N_("door"), "input": N_("safety input"), "cell.collision": N_("collision")}


def _arg(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return format_decimal(float(value), 2 if isinstance(value, float) else 0)


def alarm_text(code: str, params: dict[str, Any]) -> str:
    """The alarm's message in the current language."""
    args = {k: (sim_messages.part_name(v) if k == "link" else _arg(v)) for k, v in params.items()}
    if code == "frame.degenerate":
        reason = FRAME_REASONS.get(str(params.get("reason")))
        args["reason"] = _(reason) if reason else str(params.get("reason", ""))
    if code == "safety.protective_stop":
        cause = CAUSES.get(str(params.get("cause")))
        args["cause"] = _(cause) if cause else str(params.get("cause", ""))
    template = ALARMS.get(code) or sim_messages.TEMPLATES.get(code)
    if template is None:
        return code
    try:
        return _(template).format(**args)
    except (KeyError, IndexError):  # a parameter the core did not send: show the code rather than fail
        return code


def stop_text(code: str, category: int) -> str:
    what = STOPS.get(code)
    return _(STOP_LINE).format(what=_(what) if what else code, category=category)
