// Baton: "Decline handoff" (a client UI action; its server side is the script include BatonHandoffs).
function batonDeclineHandoff() {
    var reason = prompt('Why do you decline it? (the requester is told)', '');
    if (!reason)
        return false;
    var ajax = new GlideAjax('BatonHandoffs');
    ajax.addParam('sysparm_name', 'declineHandoff');
    ajax.addParam('sysparm_number', g_form.getValue('number'));
    ajax.addParam('sysparm_reason', reason);
    ajax.getXMLAnswer(function (answer) {
        var said = JSON.parse(answer);
        if (said.ok)
            g_form.addInfoMessage(said.message);
        else
            g_form.addErrorMessage(said.message);
    });
    return false;
}
