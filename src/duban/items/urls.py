from django.urls import path

from . import batch_views, views

app_name = "items"
urlpatterns = [
    path("", views.item_list, name="list"),
    path("export.xlsx", views.item_export, name="export"),
    path("new/", views.item_register, name="register"),
    path("batch/<slug:action>/check/", batch_views.batch_preview, name="batch_preview"),
    path("batch/<slug:action>/", batch_views.batch_apply, name="batch_apply"),
    path("<int:pk>/", views.item_page, name="detail"),
    path("<int:pk>/actions/<slug:action>/", views.item_action, name="action"),
    path("<int:pk>/actions/<slug:action>/<int:target>/", views.item_action, name="action"),
    path("<int:pk>/attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
]
