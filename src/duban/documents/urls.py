from django.urls import path

from . import views

app_name = "documents"
urlpatterns = [
    path("items/<int:pk>/notice.<str:fmt>", views.item_notice, name="item_notice"),
    path("items/<int:pk>/archive.zip", views.item_archive, name="item_archive"),
    path("tickets/<int:pk>.<str:fmt>", views.ticket_document, name="ticket_document"),
    path("issued/", views.issued_list, name="issued"),
    path("issued/<int:pk>.<str:fmt>", views.issued_download, name="issued_download"),
    path("export/<slug:ledger>/", views.export_start, name="export"),
    path("export/jobs/<int:pk>/", views.export_status, name="export_status"),
    path("export/jobs/<int:pk>/download/", views.export_download, name="export_download"),
    path("import/items/", views.import_items, name="import_items"),
    path("import/inspections/<int:pk>/problems/", views.import_problem_list, name="import_problems"),
    path("import/inspections/<int:pk>/<str:which>/", views.import_list, name="import_list"),
]
