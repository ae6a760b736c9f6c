"""组织架构 in the Wagtail admin: the tree within the user's scope, and a form per change.

Every node is checked with the one rule (``MANAGE_ROLES`` on it); the forms call
``volunteers.services.organisations``, whose refusal comes back on the form, in Chinese,
with its kind's status. Nothing here saves a node itself.
"""

from dataclasses import dataclass, field

from django import forms
from django.contrib import messages
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect
from django.urls import include, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from core.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from volunteers import permissions
from volunteers.models import Membership, Organisation
from volunteers.services import organisations as tree

Action = permissions.Action
Kind = Organisation.Kind
APP = "volunteers_organisations"
TITLE = gettext_lazy("组织架构")


# The overview (no filter) shows the top of one's scope: a town admin's town, its communities,
# the detachment and the units. Anything deeper is shown within a branch: ``?under=<pk>``.
OVERVIEW_DEPTH = 2
# A name search lists at most this many matches.
SEARCH_MAX = 100


def index_url(node: Organisation | None = None, *, parent: Organisation | None = None) -> str:
    """The tree, showing ``node``'s row: the overview for the top levels, else its parent's
    branch (``parent`` saves looking it up)."""
    url = reverse(f"{APP}:index")
    if node is None:
        return url
    if node.depth <= OVERVIEW_DEPTH:
        return f"{url}#org-{node.pk}"
    parent = parent or node.get_parent()
    return f"{url}?under={parent.pk if parent is not None else node.pk}#org-{node.pk}"


def may_build_tree(user) -> bool:
    """Shows the menu entry: holds MANAGE_ROLES somewhere (or is a superuser)."""
    return permissions.can_anywhere(user, Action.MANAGE_ROLES)


class OrganisationMenuItem(MenuItem):
    def is_shown(self, request):
        return may_build_tree(request.user)


def menu_item() -> MenuItem:
    return OrganisationMenuItem(
        TITLE, index_url(), name="organisations", icon_name="site", order=250
    )


def _members_count() -> Subquery:
    current = (
        Membership.objects.current()
        .filter(organisation=OuterRef("pk"))
        .order_by()
        .values("organisation")
        .annotate(n=Count("person", distinct=True))
        .values("n")
    )
    return Subquery(current, output_field=IntegerField())


KIND_ORDER = {kind: index for index, kind in enumerate(Kind.values)}
STEP = Organisation.steplen


@dataclass(frozen=True)
class Brief:
    """What the page needs of every node in scope to decide what to show (no counts)."""

    pk: int
    path: str
    depth: int
    numchild: int
    kind: str
    name: str
    closed: bool

    @property
    def parent_path(self) -> str:
        return self.path[:-STEP]


def _prefixes(path: str) -> list[str]:
    """The paths above ``path``, the top first."""
    return [path[:end] for end in range(STEP, len(path), STEP)]


@dataclass
class TreePage:
    """One view of the tree: the rows, and what narrowed them."""

    nodes: list[Organisation]
    under: Brief | None = None
    trail: list[tuple[str, str]] = field(default_factory=list)  # (name, url) above ``under``
    query: str = ""
    choices: list[tuple[int, str]] = field(default_factory=list)  # for 只看
    truncated: bool = False


def tree_page(user, *, under: str = "", query: str = "") -> TreePage:
    """The nodes ``user`` builds, as shown: the top of the scope (each root and its children),
    one branch (``under``: a node's pk), or the names matching ``query``.

    Costs the same few queries however big the tree: one for every node in scope (no
    counts), one for the shown rows with their member counts, one for names above them.
    """
    scope_qs = permissions.organisations_in_scope(user, Action.MANAGE_ROLES)
    scope = {
        row[1]: Brief(*row[:6], closed=row[6] is not None)
        for row in scope_qs.order_by().values_list(
            "pk", "path", "depth", "numchild", "kind", "name", "closed_on"
        )
    }
    roots = [brief for brief in scope.values() if brief.parent_path not in scope]
    overview = [brief for brief in scope.values() if _is_top(brief, scope)]
    page = TreePage(nodes=[], query=query.strip()[:100])
    names = {brief.path: brief.name for brief in scope.values()}
    page.choices = [
        (
            brief.pk,
            _("%(name)s（全部）") % {"name": brief.name}
            if brief.parent_path not in scope
            else "\u3000" + brief.name,
        )
        for brief in _ordered(overview, scope)
        if brief.numchild
    ]

    branch = _branch(under, scope, roots)
    shown: list[Brief]
    if branch is not None:
        page.under = branch
        shown = [brief for brief in scope.values() if brief.path.startswith(branch.path)]
    else:
        shown = overview
    if page.query:
        needle = page.query.casefold()
        within = shown if branch is not None else list(scope.values())
        shown = [brief for brief in within if needle in brief.name.casefold()]

    shown = _ordered(shown, scope)
    if len(shown) > SEARCH_MAX and page.query:
        shown, page.truncated = shown[:SEARCH_MAX], True

    # Names above the rows (and the branch) that lie outside the scope, in one query.
    above = {p for brief in shown for p in _prefixes(brief.path)}
    if branch is not None:
        above.update(_prefixes(branch.path))
    missing = above - names.keys()
    if missing:
        names.update(Organisation.objects.filter(path__in=missing).values_list("path", "name"))
    if branch is not None:
        page.trail = [
            (names.get(p, ""), _under_url(scope[p].pk) if p in scope else "")
            for p in _prefixes(branch.path)
        ]

    rows = {
        node.pk: node
        for node in Organisation.objects.filter(pk__in=[brief.pk for brief in shown])
        .select_related("based_in")
        .annotate(members=Coalesce(_members_count(), 0))
    }
    shown_paths = {brief.path for brief in shown}
    with_children_shown = {brief.parent_path for brief in shown}
    movers = _move_targets(scope)
    for brief in shown:
        node = rows[brief.pk]
        if page.query:
            node.indent = 0  # type: ignore[attr-defined]
            node.trail = [names.get(p, "") for p in _prefixes(brief.path)]  # type: ignore[attr-defined]
        else:
            node.indent = sum(p in shown_paths for p in _prefixes(brief.path))  # type: ignore[attr-defined]
            node.trail = []  # type: ignore[attr-defined]
        node.expand_url = (  # type: ignore[attr-defined]
            _under_url(brief.pk) if brief.numchild and brief.path not in with_children_shown else ""
        )
        node.child_kinds = [] if brief.closed else tree.allowed_child_kinds(node)  # type: ignore[attr-defined]
        node.movable = not brief.closed and _may_move(brief, movers)  # type: ignore[attr-defined]
        page.nodes.append(node)
    return page


def _is_top(brief: Brief, scope: dict[str, Brief]) -> bool:
    """A root of the scope, or a child of one."""
    parent = scope.get(brief.parent_path)
    return parent is None or parent.parent_path not in scope


def _branch(under: str, scope: dict[str, Brief], roots: list[Brief]) -> Brief | None:
    """The node ``under`` names, if it is in scope or above some of it (else no filter)."""
    if not under.isdigit():
        return None
    for brief in scope.values():
        if brief.pk == int(under):
            return brief
    node = Organisation.objects.filter(pk=int(under)).values_list(
        "pk", "path", "depth", "numchild", "kind", "name", "closed_on"
    )
    for row in node:
        if any(root.path.startswith(row[1]) for root in roots):
            return Brief(*row[:6], closed=row[6] is not None)
    return None


def _ordered(briefs: list[Brief], scope: dict[str, Brief]) -> list[Brief]:
    """Tree order, siblings by kind (grids before the party tree), then as added."""

    def key(brief: Brief) -> list[tuple[int, str]]:
        steps = [*_prefixes(brief.path), brief.path]
        return [(KIND_ORDER.get(scope[p].kind, -1) if p in scope else -1, p) for p in steps]

    return sorted(briefs, key=key)


def _move_targets(scope: dict[str, Brief]) -> dict[str, list[str]]:
    """For each kind, the paths of the open nodes in scope that may hold it."""
    targets: dict[str, list[str]] = {kind: [] for kind in Kind.values}
    for brief in scope.values():
        if not brief.closed:
            for kind in tree.ALLOWED_CHILDREN.get(brief.kind, ()):
                targets[kind].append(brief.path)
    return targets


def _may_move(brief: Brief, targets: dict[str, list[str]]) -> bool:
    """Is there a new parent to offer (what ``MoveForm`` lists)?"""
    if brief.depth <= 1:
        return False
    return any(
        not path.startswith(brief.path) and path != brief.parent_path
        for path in targets.get(brief.kind, ())
    )


def _under_url(pk: int) -> str:
    return f"{reverse(f'{APP}:index')}?under={pk}"


class OrganisationTreeView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "volunteers/admin/organisations/index.html"
    page_title = TITLE
    header_icon = "site"

    def dispatch(self, request, *args, **kwargs):
        if not may_build_tree(request.user):
            raise Forbidden("forbidden", _("您无权管理组织架构。"))
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": TITLE}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = tree_page(
            self.request.user,
            under=self.request.GET.get("under", ""),
            query=self.request.GET.get("q", ""),
        )
        context.update(
            page=page,
            nodes=page.nodes,
            squad=Kind.SQUAD,
            index=reverse(f"{APP}:index"),
            search_max=SEARCH_MAX,
        )
        return context


# --- The forms --------------------------------------------------------------------------


class AddForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("类型"), error_messages={"required": gettext_lazy("请选择类型。")}
    )
    name = forms.CharField(
        label=gettext_lazy("名称"),
        max_length=tree.NAME_MAX,
        error_messages={"required": gettext_lazy("请填写组织名称。")},
    )
    code = forms.CharField(
        label=gettext_lazy("编码（选填）"),
        max_length=tree.CODE_MAX,
        required=False,
        help_text=gettext_lazy(
            "可以不填，系统会自动生成，例如 liyuan-grid-49。"
            "仅用于导入和对接，只能用英文字母、数字、“-”和“_”。"
        ),
    )
    description = forms.CharField(
        label=gettext_lazy("简介"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, parent: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = tree.allowed_child_kinds(parent)
        self.fields["kind"].choices = [(kind, Kind(kind).label) for kind in kinds]
        if len(kinds) == 1:
            self.fields["kind"].initial = kinds[0]
        self.fields["kind"].error_messages["invalid_choice"] = _(
            "“%(parent)s”下不能添加这种组织。"
        ) % {"parent": parent.name}


class RenameForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("名称"),
        max_length=tree.NAME_MAX,
        error_messages={"required": gettext_lazy("请填写组织名称。")},
    )
    description = forms.CharField(
        label=gettext_lazy("简介"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class NodeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.get_kind_display()}）"


class MoveForm(forms.Form):
    new_parent = NodeChoiceField(
        label=gettext_lazy("移到"),
        queryset=Organisation.objects.none(),
        empty_label=gettext_lazy("请选择新的上级组织"),
        error_messages={
            "required": gettext_lazy("请选择新的上级组织。"),
            "invalid_choice": gettext_lazy("不能移到所选的组织之下，请从列表中选择。"),
        },
    )

    def __init__(self, *args, node: Organisation, user, **kwargs):
        super().__init__(*args, **kwargs)
        holders = [kind for kind, kinds in tree.ALLOWED_CHILDREN.items() if node.kind in kinds]
        parent = node.get_parent()
        self.fields["new_parent"].queryset = (
            permissions.organisations_in_scope(user, Action.MANAGE_ROLES)
            .filter(kind__in=holders, closed_on__isnull=True)
            .exclude(path__startswith=node.path)
            .exclude(pk=parent.pk if parent is not None else None)
            .order_by("path")
        )


class CloseForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("撤销原因"),
        max_length=tree.REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("记入操作日志，例如 网格调整，并入梨园社区第2网格。"),
        error_messages={
            "required": gettext_lazy("请填写撤销原因。"),
            "max_length": gettext_lazy("撤销原因最多 200 个字。"),
        },
    )


class BasedInForm(forms.Form):
    community = NodeChoiceField(
        label=gettext_lazy("所在社区"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=gettext_lazy("不设所在社区"),
        help_text=gettext_lazy("该社区的书记和管理员将与支队一同管理这支小分队及其下的队伍。"),
        error_messages={"invalid_choice": gettext_lazy("请从列表中选择一个社区。")},
    )

    def __init__(self, *args, node: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        town = node.path[: Organisation.steplen]
        self.fields["community"].queryset = Organisation.objects.filter(
            kind=Kind.COMMUNITY, closed_on__isnull=True, path__startswith=town
        ).order_by("path")
        self.fields["community"].initial = node.based_in_id


# --- The views ----------------------------------------------------------------------------


class NodeFormView(WagtailAdminTemplateMixin, FormView):
    """One change to one node: checks the node, calls the service, shows its refusal."""

    template_name = "volunteers/admin/organisations/form.html"
    header_icon = "site"
    submit_label = ""
    intro = ""

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.node = get_object_or_404(
            Organisation.objects.select_related("based_in"), pk=kwargs["pk"]
        )

    def dispatch(self, request, *args, **kwargs):
        if not permissions.can(request.user, Action.MANAGE_ROLES, self.node):
            raise Forbidden(
                "forbidden", _("您无权管理“%(name)s”的组织架构。") % {"name": self.node.name}
            )
        self.check_node()
        return super().dispatch(request, *args, **kwargs)

    def check_node(self) -> None:
        """Refuse a node this change does not apply to (after the permission check)."""

    def get_page_subtitle(self):
        return self.node.name

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": index_url(self.node), "label": TITLE},
            {"url": "", "label": f"{self.get_page_title()}：{self.node.name}"},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            node=self.node,
            parent=self.node.get_parent(),
            intro=self.intro,
            action_url=self.request.path,
            submit_button_label=self.submit_label,
            submit_button_active_label=_("正在保存…"),
            back_url=index_url(self.node),
        )
        return context

    def form_invalid(self, form, status: int = 400):
        return self.render_to_response(self.get_context_data(form=form), status=status)

    def form_valid(self, form):
        try:
            message, node = self.save(form.cleaned_data)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
            return self.form_invalid(form, status=error.status)
        messages.success(self.request, message)
        return redirect(self.success_url_for(node))

    def success_url_for(self, node: Organisation) -> str:
        return index_url(node)

    def save(self, data) -> tuple[str, Organisation]:
        raise NotImplementedError


class AddChildView(NodeFormView):
    form_class = AddForm
    page_title = gettext_lazy("添加下级")
    submit_label = gettext_lazy("添加")

    def check_node(self) -> None:
        if self.node.is_closed:
            raise Conflict(
                "parent_closed",
                _("“%(name)s”已撤销，不能再在其下添加组织。") % {"name": self.node.name},
            )
        if not tree.allowed_child_kinds(self.node):
            raise Invalid(
                "no_children",
                _("%(kind)s下不能添加下级组织。") % {"kind": self.node.get_kind_display()},
            )

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "parent": self.node}

    def success_url_for(self, node: Organisation) -> str:
        return index_url(node, parent=self.node)

    def save(self, data):
        child = tree.organisation_add(parent=self.node, by=self.request.user, **data)
        return _("已在“%(parent)s”下添加“%(name)s”。") % {
            "parent": self.node.name,
            "name": child.name,
        }, child


class RenameView(NodeFormView):
    form_class = RenameForm
    page_title = gettext_lazy("重命名")
    submit_label = gettext_lazy("保存")

    def get_initial(self):
        return {"name": self.node.name, "description": self.node.description}

    def save(self, data):
        old = self.node.name
        node = tree.organisation_rename(organisation=self.node, by=self.request.user, **data)
        return _("“%(old)s”已改名为“%(name)s”。") % {"old": old, "name": node.name}, node


class MoveView(NodeFormView):
    form_class = MoveForm
    page_title = gettext_lazy("移动")
    submit_label = gettext_lazy("移动")
    intro = gettext_lazy("连同全部下级组织一起移动；其中人员的排行榜归属随之改变。")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "node": self.node, "user": self.request.user}

    def success_url_for(self, node: Organisation) -> str:
        return index_url(node, parent=self.new_parent)

    def save(self, data):
        self.new_parent = data["new_parent"]
        node = tree.organisation_move(
            organisation=self.node, new_parent=data["new_parent"], by=self.request.user
        )
        return _("“%(name)s”已移到“%(parent)s”之下。") % {
            "name": node.name,
            "parent": data["new_parent"].name,
        }, node


class CloseView(NodeFormView):
    form_class = CloseForm
    page_title = gettext_lazy("撤销")
    submit_label = gettext_lazy("确认撤销")
    intro = gettext_lazy(
        "撤销后不能再添加下级、任命角色或发布活动，在此组织上的全部角色于今天结束。"
        "须先撤销或移走全部下级组织。"
    )

    def check_node(self) -> None:
        if self.node.is_closed:
            raise Conflict(
                "already_closed",
                _("“%(name)s”已于 %(date)s 撤销。")
                % {"name": self.node.name, "date": self.node.closed_on},
            )

    def save(self, data):
        node = tree.organisation_close(
            organisation=self.node, reason=data["reason"], by=self.request.user
        )
        return _("“%(name)s”已撤销。") % {"name": node.name}, node


class BasedInView(NodeFormView):
    form_class = BasedInForm
    page_title = gettext_lazy("所在社区")
    submit_label = gettext_lazy("保存")

    def check_node(self) -> None:
        if self.node.kind != Kind.SQUAD:
            raise NotFound("not_a_squad", _("只有志愿服务小分队可以设置所在社区。"))

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "node": self.node}

    def save(self, data):
        community = data["community"]
        node = tree.organisation_set_based_in(
            squad=self.node, community=community, by=self.request.user
        )
        if community is None:
            return _("“%(name)s”不再设所在社区。") % {"name": node.name}, node
        return _("“%(name)s”的所在社区已设为“%(community)s”。") % {
            "name": node.name,
            "community": community.name,
        }, node


def admin_urls() -> list:
    """For ``register_admin_urls``: the tree at admin/organisations/."""
    return [path("organisations/", include((urlpatterns, APP), namespace=APP))]


urlpatterns = [
    path("", OrganisationTreeView.as_view(), name="index"),
    path("<int:pk>/add/", AddChildView.as_view(), name="add"),
    path("<int:pk>/rename/", RenameView.as_view(), name="rename"),
    path("<int:pk>/move/", MoveView.as_view(), name="move"),
    path("<int:pk>/close/", CloseView.as_view(), name="close"),
    path("<int:pk>/based-in/", BasedInView.as_view(), name="based_in"),
]
