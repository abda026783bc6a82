from django.urls import path

from . import views

app_name = "items"
urlpatterns = [
    path("", views.item_list, name="list"),
    path("export.xlsx", views.item_export, name="export"),
    path("new/", views.item_register, name="register"),
    path("<int:pk>/", views.item_page, name="detail"),
    path("<int:pk>/actions/<slug:action>/", views.item_action, name="action"),
    path("<int:pk>/actions/<slug:action>/<int:target>/", views.item_action, name="action"),
    path("<int:pk>/attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
]
