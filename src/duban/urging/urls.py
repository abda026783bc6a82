from django.urls import path

from . import views

app_name = "urging"
urlpatterns = [
    path("tickets/", views.ticket_list, name="list"),
    path("tickets/<int:pk>/", views.ticket_detail, name="detail"),
    path("tickets/<int:pk>/<str:action>/", views.ticket_action, name="action"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read/", views.inbox_read, name="inbox_read"),
]
