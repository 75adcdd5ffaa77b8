// Baton: the client side of the buttons "Request handoff", "Accept handoff" and "Decline handoff" (each UI action
// holds this script and calls its own function; the server side is the script include BatonHandoffs).
function batonRequestHandoff() {
    var to = prompt('Hand this ticket to (GROUP, or GROUP/PERSON):', '');
    if (!to)
        return false;
    var reason = prompt('Why should it change hands?', '');
    if (!reason)
        return false;
    var summary = prompt('What has been tried so far?', '') || '';
    return batonAsk('requestHandoff', {sysparm_to: to, sysparm_reason: reason, sysparm_summary: summary});
}

function batonAcceptHandoff() {
    return batonAsk('acceptHandoff', {});
}

function batonDeclineHandoff() {
    var reason = prompt('Why do you decline it? (the requester is told)', '');
    if (!reason)
        return false;
    return batonAsk('declineHandoff', {sysparm_reason: reason});
}

// Calls BatonHandoffs.NAME for this ticket and shows Baton's answer on the form.
function batonAsk(name, parameters) {
    var ajax = new GlideAjax('BatonHandoffs');
    ajax.addParam('sysparm_name', name);
    ajax.addParam('sysparm_number', g_form.getValue('number'));
    for (var key in parameters)
        ajax.addParam(key, parameters[key]);
    ajax.getXMLAnswer(function (answer) {
        var said = JSON.parse(answer);
        if (said.ok)
            g_form.addInfoMessage(said.message);
        else
            g_form.addErrorMessage(said.message);
    });
    return false;
}
