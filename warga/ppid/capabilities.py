from warga.core.permissions import Role, grant

# The PPID utama (at Diskominfo) sees and steers every request; a PPID pembantu sees and answers
# the requests its unit holds; the atasan PPID decides objections and follows the service.
VIEW = grant(
    "ppid.view",
    Role.PPID_OFFICER,
    Role.PPID_PEMBANTU,
    Role.PPID_ATASAN,
    description="See information requests (the PPID utama and the atasan all; a pembantu its unit's)",
)
REGISTER = grant(
    "ppid.register",
    Role.PPID_OFFICER,
    Role.PPID_PEMBANTU,
    description="Enter an information request received at a desk, by letter or by e-mail",
)
HANDLE = grant(
    "ppid.handle",
    Role.PPID_OFFICER,
    Role.PPID_PEMBANTU,
    description="Forward, extend, answer and deliver the information requests one's unit holds",
)
MANAGE = grant(
    "ppid.manage",
    Role.PPID_OFFICER,
    description="See every information request and assign or forward any of them (PPID utama)",
)
OBJECTIONS = grant(
    "ppid.objections",
    Role.PPID_OFFICER,
    Role.PPID_ATASAN,
    description="See objections (keberatan) and Komisi Informasi disputes",
)
DECIDE_OBJECTIONS = grant(
    "ppid.objections.decide",
    Role.PPID_ATASAN,
    description="Answer an objection and record a dispute at the Komisi Informasi (atasan PPID)",
)
REGISTERS = grant(
    "ppid.registers",
    Role.PPID_OFFICER,
    Role.PPID_PEMBANTU,
    description=(
        "Keep the Daftar Informasi Publik and the register of exempted information "
        "(the PPID utama: every unit's entries; a pembantu: its unit's)"
    ),
)
# The report (laporan layanan informasi publik): counts only, nothing personal. The PPID utama,
# the atasan and the regional head see the whole installation and choose a unit; a pembantu
# sees its own unit's.
REPORT = grant(
    "ppid.report",
    Role.PPID_OFFICER,
    Role.PPID_PEMBANTU,
    Role.PPID_ATASAN,
    Role.REGIONAL_VIEWER,
    description="See the annual and quarterly report of the information service (counts only)",
)
REPORT_ALL = grant(
    "ppid.report.all",
    Role.PPID_OFFICER,
    Role.PPID_ATASAN,
    Role.REGIONAL_VIEWER,
    description="See the information service report of the whole installation and of any unit",
)
