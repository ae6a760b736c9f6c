from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .models import Person


@login_required
def me(request):
    person = (
        Person.objects.filter(user=request.user)
        .select_related("home_grid", "party_branch", "employer_unit", "reported_community")
        .first()
    )
    memberships = person.memberships.select_related("organisation") if person else []
    return render(request, "volunteers/me.html", {"person": person, "memberships": memberships})
