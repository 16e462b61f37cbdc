from django.urls import path

from carepack.volume import views

app_name = "volume"

BATCH = "order/<uuid:public_id>/batches/<uuid:batch_id>/"

urlpatterns = [
    path("order/<uuid:public_id>/volume/", views.upload, name="upload"),
    path(
        "order/<uuid:public_id>/volume/template.xlsx",
        views.template_xlsx,
        name="template_xlsx",
    ),
    path(
        "order/<uuid:public_id>/volume/template.txt",
        views.template_txt,
        name="template_txt",
    ),
    path(BATCH, views.batch, name="batch"),
    path(f"{BATCH}progress/", views.progress, name="progress"),
    path(f"{BATCH}errors/", views.error_file, name="error_file"),
    path(f"{BATCH}report.xlsx", views.report, {"kind": "xlsx"}, name="report_xlsx"),
    path(f"{BATCH}report.csv", views.report, {"kind": "csv"}, name="report_csv"),
]
