#compdef mwaa
# zsh completion for mwaa. Generated from the command registry by `mwaa completion zsh`; do not edit.
_mwaa() {
  local cmdpath="" i w prev
  local -a subs opts
  prev="${words[CURRENT-1]}"
  case "$prev" in
    -e|--env) compadd -- ${(f)"$(mwaa __complete envs 2>/dev/null)"}; return ;;
    -c|--config) _files; return ;;
    -o|--output) compadd -- 'text' 'json'; return ;;
    --state-dir) _files -/; return ;;
    -e|--env|-c|--config|--profile|--region|--endpoint-url|-o|--output|--name|--airflow-version|--port|--host|--state-dir|--create-seconds|--update-seconds|--delete-seconds|--task-seconds|--deny-package) return ;;
  esac
  for ((i=2; i<CURRENT; i++)); do
    w="${words[i]}"
    case "$w" in
      -e|--env|-c|--config|--profile|--region|--endpoint-url|-o|--output|--name|--airflow-version|--port|--host|--state-dir|--create-seconds|--update-seconds|--delete-seconds|--task-seconds|--deny-package) ((i++)); continue ;;
      -*) continue ;;
    esac
    case "$cmdpath" in
      '') case "$w" in init|completion|local) cmdpath="${cmdpath:+$cmdpath }$w" ;; esac ;;
      'local') case "$w" in start) cmdpath="${cmdpath:+$cmdpath }$w" ;; esac ;;
    esac
  done
  case "$cmdpath" in
    '') subs=('init\:scaffold mwaa.yaml, dags/, plugins/ and requirements.txt' 'completion\:print the shell completion script for bash, zsh or fish' 'local\:the local MWAA emulator'); opts=('-e\:environment key in mwaa.yaml (default\: $MWAA_ENV, or the only one)' '--env\:environment key in mwaa.yaml (default\: $MWAA_ENV, or the only one)' '-c\:path to mwaa.yaml (default\: found upward from the current folder)' '--config\:path to mwaa.yaml (default\: found upward from the current folder)' '--profile\:AWS profile (default\: the environment'\''s profile, or $AWS_PROFILE)' '--region\:AWS region (default\: the environment'\''s region, or $AWS_REGION)' '--endpoint-url\:send AWS API calls to this endpoint (also $AWS_ENDPOINT_URL[_S3|_MWAA|_CLOUDWATCH_LOGS])' '--local\:use the embedded local emulator instead of AWS' '-o\:output format' '--output\:output format' '--json\:same as --output json' '--no-color\:no colors (also $NO_COLOR, or when not a terminal)' '-y\:answer yes to confirmations' '--yes\:answer yes to confirmations' '-q\:print only data and errors' '--quiet\:print only data and errors' '--debug\:print debug detail and the cause of errors' '--help\:show help') ;;
    'init') subs=(); opts=('--name\:MWAA environment name for the examples (default\: the folder name)' '--airflow-version\:Airflow version (default\: 2.10.3)' '--force\:overwrite existing files' '-e\:environment key in mwaa.yaml (default\: $MWAA_ENV, or the only one)' '--env\:environment key in mwaa.yaml (default\: $MWAA_ENV, or the only one)' '-c\:path to mwaa.yaml (default\: found upward from the current folder)' '--config\:path to mwaa.yaml (default\: found upward from the current folder)' '--profile\:AWS profile (default\: the environment'\''s profile, or $AWS_PROFILE)' '--region\:AWS region (default\: the environment'\''s region, or $AWS_REGION)' '--endpoint-url\:send AWS API calls to this endpoint (also $AWS_ENDPOINT_URL[_S3|_MWAA|_CLOUDWATCH_LOGS])' '--local\:use the embedded local emulator instead of AWS' '-o\:output format' '--output\:output format' '--json\:same as --output json' '--no-color\:no colors (also $NO_COLOR, or when not a terminal)' '-y\:answer yes to confirmations' '--yes\:answer yes to confirmations' '-q\:print only data and errors' '--quiet\:print only data and errors' '--debug\:print debug detail and the cause of errors' '--help\:show help') ;;
    'completion') subs=('bash' 'zsh' 'fish'); opts=('-e\:environment key in mwaa.yaml (default\: $MWAA_ENV, or the only one)' '--env\:environment key in mwaa.yaml (default\: $MWAA_ENV, or the only one)' '-c\:path to mwaa.yaml (default\: found upward from the current folder)' '--config\:path to mwaa.yaml (default\: found upward from the current folder)' '--profile\:AWS profile (default\: the environment'\''s profile, or $AWS_PROFILE)' '--region\:AWS region (default\: the environment'\''s region, or $AWS_REGION)' '--endpoint-url\:send AWS API calls to this endpoint (also $AWS_ENDPOINT_URL[_S3|_MWAA|_CLOUDWATCH_LOGS])' '--local\:use the embedded local emulator instead of AWS' '-o\:output format' '--output\:output format' '--json\:same as --output json' '--no-color\:no colors (also $NO_COLOR, or when not a terminal)' '-y\:answer yes to confirmations' '--yes\:answer yes to confirmations' '-q\:print only data and errors' '--quiet\:print only data and errors' '--debug\:print debug detail and the cause of errors' '--help\:show help') ;;
    'local') subs=('start\:run the local MWAA emulator (S3, CloudWatch Logs, MWAA, Airflow) as a server'); opts=('-e\:environment key in mwaa.yaml (default\: $MWAA_ENV, or the only one)' '--env\:environment key in mwaa.yaml (default\: $MWAA_ENV, or the only one)' '-c\:path to mwaa.yaml (default\: found upward from the current folder)' '--config\:path to mwaa.yaml (default\: found upward from the current folder)' '--profile\:AWS profile (default\: the environment'\''s profile, or $AWS_PROFILE)' '--region\:AWS region (default\: the environment'\''s region, or $AWS_REGION)' '--endpoint-url\:send AWS API calls to this endpoint (also $AWS_ENDPOINT_URL[_S3|_MWAA|_CLOUDWATCH_LOGS])' '--local\:use the embedded local emulator instead of AWS' '-o\:output format' '--output\:output format' '--json\:same as --output json' '--no-color\:no colors (also $NO_COLOR, or when not a terminal)' '-y\:answer yes to confirmations' '--yes\:answer yes to confirmations' '-q\:print only data and errors' '--quiet\:print only data and errors' '--debug\:print debug detail and the cause of errors' '--help\:show help') ;;
    'local start') subs=(); opts=('--port\:port to listen on (0\: any free port)' '--host\:address to listen on' '--state-dir\:where the emulator keeps its state (default\: .mwaa/local beside mwaa.yaml, else here)' '--create-seconds\:CREATING → AVAILABLE (default 3)' '--update-seconds\:UPDATING → AVAILABLE (default 3)' '--delete-seconds\:DELETING → gone (default 2)' '--task-seconds\:time each simulated task runs (default 1)' '--deny-package\:a requirement that fails to install (repeatable)' '-e\:environment key in mwaa.yaml (default\: $MWAA_ENV, or the only one)' '--env\:environment key in mwaa.yaml (default\: $MWAA_ENV, or the only one)' '-c\:path to mwaa.yaml (default\: found upward from the current folder)' '--config\:path to mwaa.yaml (default\: found upward from the current folder)' '--profile\:AWS profile (default\: the environment'\''s profile, or $AWS_PROFILE)' '--region\:AWS region (default\: the environment'\''s region, or $AWS_REGION)' '--endpoint-url\:send AWS API calls to this endpoint (also $AWS_ENDPOINT_URL[_S3|_MWAA|_CLOUDWATCH_LOGS])' '--local\:use the embedded local emulator instead of AWS' '-o\:output format' '--output\:output format' '--json\:same as --output json' '--no-color\:no colors (also $NO_COLOR, or when not a terminal)' '-y\:answer yes to confirmations' '--yes\:answer yes to confirmations' '-q\:print only data and errors' '--quiet\:print only data and errors' '--debug\:print debug detail and the cause of errors' '--help\:show help') ;;
  esac
  if [[ "$PREFIX" == -* ]]; then
    _describe -t options 'option' opts
  else
    _describe -t commands 'command' subs
  fi
}
compdef _mwaa mwaa
