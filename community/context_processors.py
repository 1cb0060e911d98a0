from community.selectors import home_hall


def site(request):
    """The home hall for the header, lazily."""
    return {"site_hall": home_hall}
