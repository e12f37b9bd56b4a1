@echo off
rem ESP8266 Lab workshop for Windows: double-click to start the lab server and open the browser.
rem Uses Node.js 18 or newer if installed, else Python 3.8 or newer (py -3, python3, python).
rem Options are passed on to the server, e.g.  start.bat --lan   or   start.bat --port 8267
setlocal
cd /d "%~dp0"
if not exist "serve.mjs" goto notunzipped
if not exist "site\index.html" goto notunzipped

where node >nul 2>nul
if errorlevel 1 goto trypy
node -e "process.exit(Number(process.versions.node.split('.')[0]) >= 18 ? 0 : 1)" >nul 2>nul
if errorlevel 1 goto trypy
node serve.mjs --open %*
if errorlevel 1 goto failed
goto end

:trypy
where py >nul 2>nul
if errorlevel 1 goto trypython3
py -3 -c "import sys; sys.exit(0 if sys.version_info >= (3, 8) else 1)" >nul 2>nul
if errorlevel 1 goto trypython3
py -3 serve.py --open %*
if errorlevel 1 goto failed
goto end

:trypython3
rem the Microsoft Store stand-ins for python3/python fail this check and are skipped
python3 -c "import sys; sys.exit(0 if sys.version_info >= (3, 8) else 1)" >nul 2>nul
if errorlevel 1 goto trypython
python3 serve.py --open %*
if errorlevel 1 goto failed
goto end

:trypython
python -c "import sys; sys.exit(0 if sys.version_info >= (3, 8) else 1)" >nul 2>nul
if errorlevel 1 goto nothing
python serve.py --open %*
if errorlevel 1 goto failed
goto end

:nothing
echo Neither Node.js (version 18 or newer) nor Python (version 3.8 or newer) was found.
echo Install one of them, then double-click start.bat again:
echo   Node.js: https://nodejs.org  (the LTS version)
echo   Python:  https://www.python.org/downloads/  (tick "Add python.exe to PATH")
echo.
pause
exit /b 1

:notunzipped
echo The workshop folder is incomplete: serve.mjs or site\ is missing here (%CD%).
echo Unzip the whole esp8266-lab-workshop.zip first (right-click it, "Extract All..."),
echo then double-click start.bat in the extracted esp8266-lab-workshop folder.
echo.
pause
exit /b 1

:failed
echo.
echo The server stopped with an error (see the message above).
pause
exit /b 1

:end
endlocal
