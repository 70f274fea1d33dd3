"""Households (业户档案): one record per unit — its owners, members and tenants, the property,
occupancy. Its ID is the unit, building-unit-room (`3-2-1201`). Tickets, visits and
violations name it by `unit`; `show UNIT` lists them."""
from __future__ import annotations

import re

from ...i18n import N_
from . import Kind

PEOPLE = ("owners", "members", "tenants")


def _names(data, lang, reveal):
    return ", ".join(o.get("name", "") for o in data.get("owners") or [])


def _phone(data, lang, reveal):
    from ..privacy import mask_phone

    phone = ((data.get("owners") or [{}])[0]).get("phone")
    return (phone if reveal else mask_phone(phone)) if phone else ""


KIND = Kind(
    name="owner", plural="owners", folder="owners", id_form=N_("a unit like 3-2-1201"),
    aliases=("households", "household"),
    id_re=re.compile(r"[0-9A-Za-z]{1,4}-[0-9A-Za-z]{1,4}-[0-9]{1,5}[A-Za-z]?"),
    path_of=lambda unit: f"owners/{unit.split('-')[0]}/{unit}.yaml",
    columns=("id", "name", "phone", "occupancy"),
    cells={"name": _names, "phone": _phone},
    narrow=("phone",),
    show_fields=("property_type", "building_area", "usable_area", "handover_date", "move_in_date", "parking_space",
                 "bicycle_garage", "occupancy", "note", "created_at"),
    show_sections=(*PEOPLE, "erased"),
    code_fields={"occupancy": "occupancy", "property_type": "property_type", "gender": "gender"},
    codes={
        "occupancy": {
            "self": ("自住", "owner-occupied"),
            "rented": ("出租", "rented"),
            "vacant": ("空置", "vacant"),
            "decorating": ("装修中", "decorating"),
        },
        "property_type": {
            "residence": ("住宅", "residence"),
            "shop": ("商铺", "shop"),
            "parking": ("车位", "parking space"),
            "office": ("写字楼", "office"),
            "other": ("其他", "other"),
        },
        "gender": {"male": ("男", "male"), "female": ("女", "female")},
    },
    labels={"owners": ("业主", "owners"), "building": ("楼栋", "building"), "occupancy": ("居住状态", "occupancy"),
            "property_type": ("房屋类型", "property type"), "building_area": ("建筑面积(m²)", "floor area (m²)"),
            "usable_area": ("使用面积(m²)", "usable area (m²)"), "handover_date": ("交房日期", "handed over"),
            "move_in_date": ("入住日期", "moved in"), "parking_space": ("车位", "parking space"),
            "bicycle_garage": ("单车库", "bicycle garage"), "created_at": ("建档时间", "registered"),
            "members": ("家庭成员", "household members"), "tenants": ("租户", "tenants"),
            "gender": ("性别", "gender"), "birth_date": ("出生日期", "born"), "native_place": ("籍贯", "native place"),
            "id_card": ("身份证号", "ID card"), "hukou": ("户口所在地", "hukou"), "employer": ("工作单位", "employer"),
            "relation": ("关系", "relation"), "lease_end": ("租约到期", "lease ends")},
    show_referrers=True,
    opened_field="created_at",
    # A household's data is kept up to date by hand (new phone, tenants moving in); only its
    # unit (id) and when it was registered are fixed.
    editable=("property_type", "building_area", "usable_area", "handover_date", "move_in_date", "parking_space",
              "bicycle_garage", "occupancy", "owners", "members", "tenants", "note"),
    personal={f"{group}.*.{key}": key for group in PEOPLE for key in ("phone", "id_card", "birth_date")},
    missing_message=N_("unit {id} has no household record ({path})"),
)
