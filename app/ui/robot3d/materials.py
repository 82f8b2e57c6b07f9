"""Materials of the 3D view: a colour, an opacity and whether back faces are culled (no Qt).

Faces carry a material index; the view turns (material, shade level) into one prebuilt brush, so a frame
creates no colours. Cell solids take the material of their ``kind``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Material:
    rgb: tuple[int, int, int]
    alpha: int = 255  # 0…255
    cull: bool = True  # False: both sides drawn (translucent volumes seen from inside)


ARM, ARM_DARK, ARM_JOINT, FLANGE, TOOL, TOOL_TIP = range(6)
TABLE, FIXTURE, FENCE, CONVEYOR, PALLET, PART, PIN, PLINTH = range(6, 14)
KEEP_OUT, CURTAIN, CURTAIN_ON, MARK = range(14, 18)

MATERIALS: list[Material] = [
    Material((232, 115, 26)),  # ARM: industrial orange (the R12 is drawn blue, see ARM_COLOURS)
    Material((58, 62, 68)),  # ARM_DARK: pedestal, motors
    Material((200, 202, 205)),  # ARM_JOINT
    Material((160, 165, 172)),  # FLANGE: steel
    Material((90, 110, 130)),  # TOOL
    Material((40, 42, 46)),  # TOOL_TIP
    Material((150, 160, 172)),  # TABLE
    Material((120, 128, 138)),  # FIXTURE
    Material((235, 200, 40), 34),  # FENCE: yellow mesh panels, see-through
    Material((70, 76, 84)),  # CONVEYOR
    Material((176, 134, 84)),  # PALLET: wood
    Material((40, 120, 200)),  # PART
    Material((200, 60, 50)),  # PIN
    Material((96, 100, 108)),  # PLINTH
    Material((220, 40, 40), 60),  # KEEP_OUT zone
    Material((250, 170, 30), 45),  # CURTAIN guarded box (beam clear)
    Material((230, 30, 30), 80),  # CURTAIN_ON: interrupted
    Material((255, 255, 255)),  # MARK
]

ARM_COLOURS = {"r7-700": (232, 115, 26), "r12-1440": (34, 96, 170)}

KIND_MATERIAL = {
    "table": TABLE, "fixture": FIXTURE, "fence": FENCE, "conveyor": CONVEYOR, "pallet": PALLET,
    "part": PART, "pin": PIN, "plinth": PLINTH,
}

LEVELS = 24  # shade steps per material
AMBIENT = 0.38


def materials_for(model_key: str) -> list[Material]:
    """The table with the arm coloured as its model."""
    out = list(MATERIALS)
    if model_key in ARM_COLOURS:
        out[ARM] = Material(ARM_COLOURS[model_key])
    return out


def shaded(material: Material, level: int) -> tuple[int, int, int, int]:
    """RGBA of a material at shade ``level`` (0 … LEVELS − 1: ambient only … fully lit)."""
    k = AMBIENT + (1.0 - AMBIENT) * level / (LEVELS - 1)
    r, g, b = (min(255, int(round(c * k))) for c in material.rgb)
    return r, g, b, material.alpha
