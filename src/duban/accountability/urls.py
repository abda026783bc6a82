from django.urls import path

from . import views

app_name = "accountability"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("<int:pk>/", views.case_page, name="detail"),
    path("<int:pk>/<slug:action>/", views.case_action, name="action"),
]
