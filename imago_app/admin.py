from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from imago_app.models import User


@admin.register(User)
class ImagoUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("Imago", {"fields": ("kind", "display_name")}))
    list_display = ("username", "display_name", "kind", "is_active", "date_joined")
    list_filter = ("kind", "is_active", "is_staff")
