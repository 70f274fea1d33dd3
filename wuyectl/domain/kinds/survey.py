"""Survey campaigns (客户意见征询): `2026H2`, the sample drawn once — 10% of households at
random plus everyone who complained since the last campaign or was dissatisfied in it. The
returned forms are `survey` visits."""
from __future__ import annotations

import re

from ...i18n import N_
from . import Kind

KIND = Kind(
    name="survey", plural="surveys", folder="surveys", id_form=N_("a campaign like 2026H2"), aliases=("campaigns",),
    id_re=re.compile(r"[0-9]{4}H[12]"),
    path_of=lambda rid: f"surveys/{rid}.yaml",
    columns=("id", "drawn_at", "population", "sampled", "complainants"),
    cells={"sampled": lambda d, lang, reveal: str(len(d.get("households") or [])),
           "complainants": lambda d, lang, reveal: str(len(d.get("complainants") or []))},
    order_by="id", newest_first=True,
    show_fields=("drawn_at", "drawn_by", "population", "ratio", "seed", "since", "sampled", "households",
                 "complainants"),
    show_cells={"complainants": lambda d, lang, reveal: ", ".join(d.get("complainants") or []),
                "households": lambda d, lang, reveal: ", ".join(d.get("households") or [])},
    labels={"surveys": ("问卷抽样", "survey campaigns"), "drawn_at": ("抽样时间", "drawn"), "population": ("总户数", "households"),
            "sampled": ("抽样户数", "sampled"), "complainants": ("投诉户", "complainants"),
            "drawn_by": ("抽样人", "drawn by"), "ratio": ("抽样比例", "sample ratio"), "seed": ("随机种子", "seed"),
            "since": ("投诉统计起点", "complaints since"), "households": ("抽中户", "households drawn")},
    opened_field="drawn_at",
    people={"drawn_by": "drawn_by"},
    edit_hints={key: N_("a survey sample is drawn once (wuyectl survey sample) and not edited")
                for key in ("households", "complainants", "seed", "ratio", "population", "drawn_at", "drawn_by", "since")},
)
