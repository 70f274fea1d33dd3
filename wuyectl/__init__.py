"""wuyectl — the records and workflows of a property customer-service office (物业客服中心),
kept as YAML files in git.

The library does the work; `wuyectl.cli` is a thin click layer over it.  From Python:

    from wuyectl import api
    office = api.Office.open("/path/to/office")
    tid = api.open_ticket(office, actor="王芳", channel="phone", category="repair",
                          unit="3-2-1201", reporter="张先生", phone="13800138000",
                          description="卫生间漏水")
"""
__version__ = "0.1.0"
