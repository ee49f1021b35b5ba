from django.urls import path

from . import register_views, report_views, views

app_name = "ppid"
# Mounted at /ppid/ (warga/urls.py): the public pages at Indonesian addresses, officers' pages below.
urlpatterns = [
    path("", views.public_form_view, name="public_form"),
    path("terkirim/", views.public_done_view, name="public_done"),
    path("tanda-bukti/", views.public_receipt_view, name="public_receipt"),
    path("lacak/", views.public_track_view, name="track"),
    path("keberatan/", views.public_objection_view, name="public_objection"),
    path("unduh/<str:token>/", views.download_view, name="download"),
    path("requests/", views.list_view, name="list"),
    path("requests/new/", views.new_view, name="new"),
    path("requests/<int:pk>/", views.detail_view, name="detail"),
    path("requests/<int:pk>/act/", views.act_view, name="act"),
    path("requests/<int:pk>/documents/", views.attach_view, name="attach"),
    path("requests/<int:pk>/documents/<int:document_id>/", views.document_view, name="document"),
    path("requests/<int:pk>/papers/", views.papers_view, name="papers"),
    path("requests/<int:pk>/receipt.pdf", views.receipt_view, name="receipt"),
    path("requests/<int:pk>/notice.pdf", views.notice_view, name="notice"),
    path("objections/", views.objections_view, name="objections"),
    path("objections/<int:pk>/", views.objection_view, name="objection"),
    path("objections/<int:pk>/decide/", views.objection_decide_view, name="objection_decide"),
    path("objections/<int:pk>/dispute/", views.dispute_view, name="dispute"),
    # The registers: public at Indonesian addresses, officers' pages under registers/.
    path("dip/", register_views.dip_public_view, name="dip_public"),
    path("dip/ekspor/", register_views.dip_public_export_view, name="dip_public_export"),
    path("dip/dokumen/<int:document_id>/", register_views.dip_document_view, name="dip_document"),
    path("dikecualikan/", register_views.exempt_public_view, name="exempt_public"),
    path("dikecualikan/ekspor/", register_views.exempt_public_export_view, name="exempt_public_export"),
    path("registers/dip/", register_views.dip_list_view, name="dip_list"),
    path("registers/dip/export/", register_views.dip_export_view, name="dip_export"),
    path("registers/dip/new/", register_views.dip_new_view, name="dip_new"),
    path("registers/dip/<int:pk>/", register_views.dip_edit_view, name="dip_edit"),
    path("registers/dip/<int:pk>/documents/", register_views.dip_attach_view, name="dip_attach"),
    path("registers/dip/<int:pk>/withdraw/", register_views.dip_withdraw_view, name="dip_withdraw"),
    path("registers/exempt/", register_views.exempt_list_view, name="exempt_list"),
    path("registers/exempt/export/", register_views.exempt_export_view, name="exempt_export"),
    path("registers/exempt/new/", register_views.exempt_new_view, name="exempt_new"),
    path("registers/exempt/<int:pk>/", register_views.exempt_edit_view, name="exempt_edit"),
    path("registers/exempt/<int:pk>/withdraw/", register_views.exempt_withdraw_view, name="exempt_withdraw"),
]

# The report (laporan layanan informasi publik).
urlpatterns += [
    path("report/", report_views.report_view, name="report"),
    path("report.xlsx", report_views.report_xlsx_view, name="report_xlsx"),
    path("report.pdf", report_views.report_pdf_view, name="report_pdf"),
]
