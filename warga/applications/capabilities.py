"""What the applications code checks. Kecamatan capabilities also need the actor's unit to be
the application's office; Disdukcapil capabilities need a Disdukcapil unit (see services)."""

from warga.core.permissions import Role, grant

VIEW = grant(
    "applications.view",
    Role.KECAMATAN_COUNTER,
    Role.KECAMATAN_VERIFIER,
    Role.DISDUKCAPIL_VERIFIER,
    Role.PRINTING_OPERATOR,
    Role.DISDUKCAPIL_HEAD,
    description="See the applications of one's area and their history",
)
DOCUMENTS = grant(
    "applications.documents",
    Role.KECAMATAN_COUNTER,
    Role.KECAMATAN_VERIFIER,
    Role.DISDUKCAPIL_VERIFIER,
    Role.DISDUKCAPIL_HEAD,
    description="Open the scanned documents of an application (each view is audit-logged)",
)
SUBMIT = grant(
    "applications.submit",
    Role.KECAMATAN_COUNTER,
    Role.KECAMATAN_VERIFIER,
    description="Take applications at the kecamatan counter and attach scans",
)
SUBMIT_OUTREACH = grant(
    "applications.submit_outreach",
    Role.OUTREACH_OFFICER,
    description="Take applications in the field (jemput bola)",
)
VERIFY = grant(
    "applications.verify",
    Role.KECAMATAN_VERIFIER,
    description="Verify applications at the kecamatan or return them to the applicant",
)
SEND = grant(
    "applications.send",
    Role.KECAMATAN_COUNTER,
    Role.KECAMATAN_VERIFIER,
    description="Send verified files to the Disdukcapil",
)
REVIEW = grant(
    "applications.review",
    Role.DISDUKCAPIL_VERIFIER,
    description="Review, approve, return or reject applications at the Disdukcapil",
)
ISSUE = grant(
    "applications.issue",
    Role.DISDUKCAPIL_VERIFIER,
    Role.PRINTING_OPERATOR,
    description="Issue documents and send them back to the kecamatan",
)
HAND_OVER = grant(
    "applications.hand_over",
    Role.KECAMATAN_COUNTER,
    description="Receive issued documents at the kecamatan and hand them over",
)
OVERSEE = grant(
    "applications.oversee",
    Role.DISDUKCAPIL_HEAD,
    description="Release claimed files and receive overdue notices",
)
STATS = grant(
    "applications.stats",
    Role.DISDUKCAPIL_HEAD,
    Role.DISDUKCAPIL_VERIFIER,
    Role.KECAMATAN_VERIFIER,
    Role.REGIONAL_VIEWER,
    description="See application statistics and turnaround",
)
CATALOGUE = grant(
    "applications.catalogue",
    Role.SYSTEM_ADMIN,
    description="Edit the service catalogue",
)
ROLLOUT = grant(
    "applications.rollout",
    Role.SYSTEM_ADMIN,
    Role.DISDUKCAPIL_HEAD,
    description="Set each kecamatan office online, in training or manual",
)
PAPER = grant(
    "applications.paper",
    Role.KECAMATAN_COUNTER,
    Role.DISDUKCAPIL_VERIFIER,
    description="Record paper batches of manual offices",
)
