from django import template

register = template.Library()

BADGES = {
    "draft": "secondary",
    "submitted": "primary",
    "verified": "info",
    "returned_to_applicant": "warning",
    "sent": "primary",
    "in_review": "info",
    "approved": "success",
    "returned_to_kecamatan": "warning",
    "rejected": "danger",
    "issued": "success",
    "sent_to_kecamatan": "success",
    "handed_over": "dark",
    "closed": "dark",
}


@register.filter
def status_badge(status: str) -> str:
    return BADGES.get(status, "secondary")


@register.filter
def event_label(action: str) -> str:
    from warga.applications.selectors import event_label as label

    return label(action)
