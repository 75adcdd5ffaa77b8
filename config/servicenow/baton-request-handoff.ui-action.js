// Baton: "Request handoff" (a client UI action; its server side is the script include BatonHandoffs).
function batonRequestHandoff() {
    var to = prompt('Hand this ticket to (GROUP, or GROUP/PERSON):', '');
    if (!to)
        return false;
    var reason = prompt('Why should it change hands?', '');
    if (!reason)
        return false;
    var summary = prompt('What has been tried so far?', '') || '';
    var ajax = new GlideAjax('BatonHandoffs');
    ajax.addParam('sysparm_name', 'requestHandoff');
    ajax.addParam('sysparm_number', g_form.getValue('number'));
    ajax.addParam('sysparm_to', to);
    ajax.addParam('sysparm_reason', reason);
    ajax.addParam('sysparm_summary', summary);
    ajax.getXMLAnswer(function (answer) {
        var said = JSON.parse(answer);
        if (said.ok)
            g_form.addInfoMessage(said.message);
        else
            g_form.addErrorMessage(said.message);
    });
    return false;
}
