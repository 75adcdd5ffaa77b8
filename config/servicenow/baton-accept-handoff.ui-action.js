// Baton: "Accept handoff" (a client UI action; its server side is the script include BatonHandoffs).
function batonAcceptHandoff() {
    var ajax = new GlideAjax('BatonHandoffs');
    ajax.addParam('sysparm_name', 'acceptHandoff');
    ajax.addParam('sysparm_number', g_form.getValue('number'));
    ajax.getXMLAnswer(function (answer) {
        var said = JSON.parse(answer);
        if (said.ok)
            g_form.addInfoMessage(said.message);
        else
            g_form.addErrorMessage(said.message);
    });
    return false;
}
